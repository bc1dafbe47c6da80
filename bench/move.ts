// bench/move: a graph of N small objects (a tree plus cross links, so cycles) made persistent, moved to another
// backend recursively, and replicated recursively; objects/s and ratios, beside raw NATS request/reply of N
// messages of the same total size, in one run.
import { fileURLToPath } from 'node:url';
import { Client } from '../src/index.js';
import { encode } from '../src/internal.js';
import { GraphNode } from './model.js';
import { asAdmin, benchCluster, fmt, rawBaseline } from './lib.js';

const N = Number(process.env.BENCH_GRAPH ?? 10_000);
const model = fileURLToPath(new URL('./model.js', import.meta.url));

function graph(): GraphNode {
  const nodes = Array.from({ length: N }, (_, i) => new GraphNode(i));
  nodes.forEach((node, i) => {
    if (i > 0) nodes[(i - 1) >> 1].links.push(node); // a binary tree from the root
    if (i % 7 === 0) node.links.push(nodes[(i * 31) % N]); // cross links: cycles
  });
  return nodes[0];
}

const rate = (t: bigint) => N / (Number(process.hrtime.bigint() - t) / 1e9);

await using cluster = await benchCluster({ models: [model], backends: 3 });
await using client = await new Client({ ...asAdmin(cluster), timeoutMs: 300_000 }).start(); // stats: an admin's
const baseline = await rawBaseline(cluster);
const { nc } = baseline;
try {
  const message = encode({ value: 1, links: [] });
  let t = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next++ < N) await nc.request(baseline.subject, message, { timeout: 60_000 });
    }),
  );
  const raw = rate(t);

  const root = graph();
  t = process.hrtime.bigint();
  await root.makePersistent({ backendId: 'backend-1' });
  const persist = rate(t);
  t = process.hrtime.bigint();
  await root.move('backend-2', { recursive: true });
  const move = rate(t);
  t = process.hrtime.bigint();
  await root.newReplica('backend-3', { recursive: true });
  const replicate = rate(t);
  const stats = await Promise.all(['backend-1', 'backend-2', 'backend-3'].map((b) => client.backend(b).stats()));

  console.log(`bench/move: a graph of ${N} objects (tree + cross links), 3 backends\n`);
  console.log(`raw NATS, ${N} requests of ${message.length} B, 64 in flight: ${fmt(raw)} msg/s`);
  console.log(`makePersistent (one batch):     ${fmt(persist)} obj/s  (x${fmt(persist / raw, 2)} raw)`);
  console.log(
    `move, recursive, backend-1 → 2: ${fmt(move)} obj/s  (x${fmt(move / persist, 2)} persist, x${fmt(move / raw, 2)} raw)`,
  );
  console.log(
    `replicate, recursive, → 3:      ${fmt(replicate)} obj/s  (x${fmt(replicate / persist, 2)} persist, x${fmt(replicate / raw, 2)} raw)`,
  );
  console.log(`stored after: ${stats.map((s) => `${s.id} ${s.stored}`).join(', ')}`);
} finally {
  await baseline.close();
}

// bench/lifecycle: how long a drain of N objects takes (vs moving them one request each, measured on a sample in the
// same run), and a garbage collection over M objects, half of them garbage (vs one full listing of the metadata,
// the least a sweep must read). BENCH_DRAIN_N (default 10,000) and BENCH_GC_N (default 100,000).
import { fileURLToPath } from 'node:url';
import { Client } from '../src/index.js';
import { asAdmin, benchCluster, fmt } from './lib.js';
import { Box, GraphNode } from './model.js';

const DRAIN_N = Number(process.env.BENCH_DRAIN_N ?? 10_000);
const GC_N = Number(process.env.BENCH_GC_N ?? 100_000);
const IN_FLIGHT = 64;
const SAMPLE = 500;
const model = fileURLToPath(new URL('./model.js', import.meta.url));

async function pool<T>(items: T[], fn: (item: T) => Promise<unknown>, inFlight = IN_FLIGHT): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

await using dev = await benchCluster({ models: [model], backends: 3, namespace: 'bench-lifecycle' });
await using client = await new Client({ ...asAdmin(dev), namespace: 'bench-lifecycle', timeoutMs: 600_000 }).start();
await client.getBackends();
console.log(`bench/lifecycle: drain of ${DRAIN_N} objects, garbage collection over ${GC_N}; 3 backends\n`);

// drain: N objects on backend-2, moved off by the drain; the baseline moves a sample one request each, 64 at once
const boxes = Array.from({ length: DRAIN_N + SAMPLE }, (_, i) => new Box(i));
await pool(boxes, (b) => b.makePersistent({ backendId: 'backend-2' }));
const sample = boxes.splice(DRAIN_N);
const singleS = await seconds(() => pool(sample, (b) => b.move('backend-3')));
const drainS = await seconds(() => client.backend('backend-2').drain());
const drainRate = DRAIN_N / drainS;
const singleRate = SAMPLE / singleS;
console.log(`drain: ${fmt(drainS, 3)} s for ${DRAIN_N} objects (${fmt(drainRate)} obj/s)`);
console.log(`  baseline, one move request per object (${SAMPLE}, ${IN_FLIGHT} in flight): ${fmt(singleRate)} obj/s`);
console.log(`  drain / baseline: ${fmt(drainRate / singleRate, 3)}x\n`);
await dev.backend('backend-2').restart(); // a new process: not draining

// garbage collection: half the objects hang from 100 aliased roots, half are garbage
const roots = Array.from({ length: 100 }, (_, i) => new GraphNode(i));
const perRoot = Math.floor(GC_N / 2 / roots.length);
for (const root of roots) root.links = Array.from({ length: perRoot }, (_, i) => new GraphNode(i));
const backendIds = ['backend-1', 'backend-2', 'backend-3'];
await pool(
  roots.map((r, i) => [r, i] as const),
  ([r, i]) => r.makePersistent({ backendId: backendIds[i % 3], alias: `root-${i}` }),
  8,
);
const garbage = Array.from({ length: GC_N - roots.length * (perRoot + 1) }, (_, i) => [new Box(i), i] as const);
await pool(garbage, ([b, i]) => b.makePersistent({ backendId: backendIds[i % 3] }));
const listS = await seconds(() => client.listObjects({ limit: 10_000_000 }));
let report = await client.collectGarbage({ dryRun: true });
const dryS = report.ms / 1000;
report = await client.collectGarbage();
const gcS = report.ms / 1000;
console.log(`garbage collection over ${GC_N} objects (${report.reachable} reachable, ${report.garbage} garbage):`);
console.log(`  dry run ${fmt(dryS, 3)} s, collection ${fmt(gcS, 3)} s (${report.deleted} deleted)`);
console.log(
  `  baseline, one full listing of the metadata: ${fmt(listS, 3)} s; collection / listing: ${fmt(gcS / listS, 3)}x`,
);

// bench/metadata-scale: how the per-request cost of metadata lookups grows with the number of keys in a bucket
// (docs/scaling.md). At 1k and then 100k aliases and object records: getByAlias from a client (request, a backend's
// KV read, reply), and a backend's KV reads of an alias and of an object record, beside raw NATS request/reply.
// BENCH_NATS_CLUSTER=3: on a 3-node JetStream cluster (R3 buckets).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '../src/index.js';
import { connectNats, MetadataStore, resolveNatsSettings } from '../src/internal.js';
import { Box } from './model.js';
import { asUser, benchCluster, fmt, latencies, median, rawBaseline, type Op } from './lib.js';

const SIZES = (process.env.BENCH_KEYS ?? '1000,100000').split(',').map(Number);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
const ROUNDS = 3;
const BATCH = 500;

/** Resident memory of the nats-servers, MiB (their sum on a cluster: each holds every R3 bucket). */
const natsRssMiB = (pids: (number | undefined)[]) =>
  pids.reduce<number>((sum, pid) => {
    const kib = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return sum + Number(kib ?? 0) / 1024;
  }, 0);

const model = fileURLToPath(new URL('./model.js', import.meta.url));
const natsCluster = Number(process.env.BENCH_NATS_CLUSTER ?? 1);
await using cluster = await benchCluster({ models: [model], backends: 1, natsCluster });
await using _client = await new Client({ ...asUser(cluster) }).start();
const baseline = await rawBaseline(cluster);
const backendNats = cluster.secured ? cluster.connectOptionsFor('backend') : cluster.connectOptions;
const nc = await connectNats(resolveNatsSettings(backendNats, {}), 'bench-metadata');
const store = await MetadataStore.open(nc, cluster.namespace);
try {
  const box = new Box(1);
  await box.makePersistent({ alias: 'bench-probe' });
  const dataset = 'admin'; // the Client's default dataset, which the dev cluster makes
  const nats = natsCluster > 1 ? `a ${natsCluster}-node JetStream cluster` : 'one nats-server';
  console.log(`bench/metadata-scale: ${nats}; median µs of ${ROUNDS} rounds of ${SEQUENTIAL}\n`);
  const ops: Record<string, Op> = {
    'raw NATS request': () => baseline.nc.request(baseline.subject, new Uint8Array(16), { timeout: 5000 }),
    'getByAlias (client)': () => Box.getByAlias('bench-probe'),
    'KV get alias (backend)': () => store.getAlias(dataset, 'bench-probe'),
    'KV get object (backend)': () => store.getObject(box.id),
  };
  const rows: string[][] = [['keys per bucket', ...Object.keys(ops), 'nats-server RSS MiB']];
  const figures: number[][] = [];
  let filled = 1;
  for (const size of SIZES) {
    const t = process.hrtime.bigint();
    for (; filled < size; filled += BATCH) {
      const n = Math.min(BATCH, size - filled);
      await Promise.all(
        Array.from({ length: n }, () => {
          const id = randomUUID();
          const md = { id, className: 'bench.Filler', dataset, master: 'nobody', replicas: [] };
          return Promise.all([store.putObject(md), store.createAlias(dataset, `fill-${id}`, md)]);
        }),
      );
    }
    const fillS = Number(process.hrtime.bigint() - t) / 1e9;
    const medians = [];
    for (const op of Object.values(ops)) {
      const rounds = [];
      for (let round = 0; round < ROUNDS; round++) rounds.push(median(await latencies(op, SEQUENTIAL)));
      medians.push(median(rounds));
    }
    figures.push(medians);
    const rss = natsRssMiB(cluster.natsCluster.servers.map((server) => server.pid));
    rows.push([`${fmt(size)} (filled in ${fmt(fillS, 1)} s)`, ...medians.map((m) => fmt(m)), fmt(rss)]);
  }
  rows.push([
    `x (${fmt(SIZES.at(-1)!)} / ${fmt(SIZES[0])})`,
    ...figures.at(-1)!.map((m, i) => fmt(m / figures[0][i], 2)),
    '',
  ]);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c])).join('  '));
} finally {
  await nc.close();
  await baseline.close();
}

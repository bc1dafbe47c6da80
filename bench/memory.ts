// bench/memory: one backend under a memory budget (--max-objects, default 10,000) stores N small objects (default
// 1,000,000), 64 makePersistent in flight. Every N/20 objects it prints the persist rate of that stretch, the
// backend's RSS and its loaded count; call and getByAlias latency are measured at 1,000 stored and again at N.
// With BENCH_MEMORY_BACKUPS=1 a second backend holds a backup of each object under the same budget, and its RSS and
// the copies it keeps loaded are printed too.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Client } from '../src/index.js';
import { Box, Echo } from './model.js';
import { asAdmin, benchCluster, fmt, latencies, median } from './lib.js';

const N = Number(process.env.BENCH_MEMORY_N ?? 1_000_000);
const BUDGET = Number(process.env.BENCH_MEMORY_BUDGET ?? 10_000);
const STEPS = 20;
const IN_FLIGHT = 64;
const SEQ = 2000;
const BACKUPS = Number(process.env.BENCH_MEMORY_BACKUPS ?? 0);

const model = fileURLToPath(new URL('./model.js', import.meta.url));
await using cluster = await benchCluster({
  models: [model],
  backends: BACKUPS > 0 ? 2 : 1,
  backups: BACKUPS,
  backendArgs: ['--max-objects', String(BUDGET)],
});
await using client = await new Client({ ...asAdmin(cluster), timeoutMs: 120_000 }).start(); // stats: an admin's
const backend = client.backend('backend-1');
const holder = BACKUPS > 0 ? client.backend('backend-2') : undefined;
const mib = (bytes: number) => fmt(bytes / 2 ** 20);
/** The backend's resident memory by kind (Linux): anonymous (the JS heap, buffers) and file-mapped (LMDB, node). */
function residentKinds(id = 'backend-1'): { anon: number; file: number } | undefined {
  try {
    const status = readFileSync(`/proc/${cluster.backend(id).pid}/status`, 'utf8');
    const kib = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? Number.NaN) * 1024;
    return { anon: kib('RssAnon'), file: kib('RssFile') };
  } catch {
    return undefined;
  }
}
const kinds = () => {
  const k = residentKinds();
  return k ? [mib(k.anon), mib(k.file)] : ['', ''];
};

let stored = 0;
/** Stores `count` more Boxes, 64 in flight, holding none of them here (the client's identity map lets them go). */
async function store(count: number): Promise<number> {
  const end = stored + count;
  const t = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (stored < end) await new Box(stored++).makePersistent({ backendId: 'backend-1' });
    }),
  );
  return count / (Number(process.hrtime.bigint() - t) / 1e9);
}

const payload = new Uint8Array(100).fill(7);
const echo = new Echo(payload);
await echo.makePersistent({ alias: 'memory-echo', backendId: 'backend-1' });
/** p50s of a call on one object and of a lookup by alias, in µs. */
async function probes(): Promise<{ call: number; alias: number }> {
  return {
    call: median(await latencies(() => echo.echo(payload), SEQ)),
    alias: median(await latencies(() => Echo.getByAlias('memory-echo'), SEQ)),
  };
}

const setup = BACKUPS > 0 ? `2 backends, ${BACKUPS} backup` : '1 backend';
console.log(`bench/memory: ${fmt(N)} objects, ${setup}, --max-objects ${fmt(BUDGET)}, ${IN_FLIGHT} in flight\n`);
await store(1000);
const small = await probes();
const row = (cells: string[]) => console.log(cells.map((c) => c.padStart(12)).join('  '));
row([
  'stored',
  'persist /s',
  'RSS MiB',
  'anon MiB',
  'file MiB',
  'loaded',
  ...(holder ? ['holder RSS', 'holder anon', 'copies', 'copies loaded'] : []),
  'load avg',
]);
const holderCells = async (): Promise<string[]> => {
  if (!holder) return [];
  const h = await holder.stats();
  holderRss.push(h.rss);
  return [mib(h.rss), mib(residentKinds('backend-2')?.anon ?? Number.NaN), fmt(h.copies), fmt(h.copiesLoaded)];
};
const holderRss: number[] = [];
let s = await backend.stats();
row([fmt(s.stored), '', mib(s.rss), ...kinds(), fmt(s.loaded), ...(await holderCells()), fmt(loadavg()[0], 2)]);
const rates: number[] = [];
const rss: number[] = [];
const t0 = Date.now();
while (stored < N) {
  const rate = await store(Math.min(Math.ceil(N / STEPS), N - stored));
  s = await backend.stats();
  rates.push(rate);
  rss.push(s.rss);
  row([
    fmt(s.stored),
    fmt(rate),
    mib(s.rss),
    ...kinds(),
    fmt(s.loaded),
    ...(await holderCells()),
    fmt(loadavg()[0], 2),
  ]);
}
const large = await probes();
s = await backend.stats();
console.log(
  `\n${fmt(N)} stored in ${fmt((Date.now() - t0) / 1000)} s; persist rate first stretch ${fmt(rates[0])}/s, last ${fmt(rates.at(-1)!)}/s (x${fmt(rates.at(-1)! / rates[0], 2)}), median ${fmt(median(rates))}/s`,
);
console.log(
  `backend RSS at the end ${mib(s.rss)} MiB (peak ${mib(Math.max(...rss))} MiB, maxRSS ${mib(s.maxRss)} MiB); loaded ${fmt(s.loaded)}`,
);
if (holder) {
  const h = await holder.stats();
  console.log(
    `holder RSS at the end ${mib(h.rss)} MiB (peak ${mib(Math.max(...holderRss))} MiB, maxRSS ${mib(h.maxRss)} MiB); ${fmt(h.copies)} copies, ${fmt(h.copiesLoaded)} loaded`,
  );
}
console.log(
  `call p50 ${fmt(small.call)} µs at 1k stored, ${fmt(large.call)} µs at ${fmt(N)} (x${fmt(large.call / small.call, 2)}); getByAlias p50 ${fmt(small.alias)} µs → ${fmt(large.alias)} µs (x${fmt(large.alias / small.alias, 2)})`,
);

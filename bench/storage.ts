// bench/storage (dataClay's b2 at our scale): persist N small objects, read them all, flush, reload and read again;
// objects/s per phase beside a raw-LMDB baseline measured in the same run; peak backend RSS with and without a
// memory budget.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from 'lmdb';
import { Client } from '../src/index.js';
import { encode } from '../src/internal.js';
import { Box } from './model.js';
import { asAdmin, benchCluster, fmt } from './lib.js';

const N = Number(process.env.BENCH_N ?? 100_000);
const IN_FLIGHT = 64;
const BUDGET = Math.max(1, Math.floor(N / 10));
const model = fileURLToPath(new URL('./model.js', import.meta.url));

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return N / (Number(process.hrtime.bigint() - t) / 1e9);
}

async function pool<T>(items: T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

async function rawLmdb(): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-lmdb-'));
  try {
    const record = (i: number) => encode(['bench/model.Box', 'admin', encode({ value: i })]);
    let db = open({ path: dir, encoding: 'binary' });
    const ids = Array.from({ length: N }, (_, i) => `id-${i}`);
    const persist = await timed(() => pool(ids, (id) => db.put(id, record(Number(id.slice(3))))));
    const read = await timed(async () => ids.forEach((id) => db.get(id)));
    await db.close();
    db = open({ path: dir, encoding: 'binary' });
    const reload = await timed(async () => ids.forEach((id) => db.get(id)));
    await db.close();
    return { persist, read, reload };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function cluster(budgetArgs: string[]): Promise<Record<string, number>> {
  await using dev = await benchCluster({ models: [model], backends: 1, backendArgs: budgetArgs });
  await using client = await new Client({ ...asAdmin(dev), timeoutMs: 60_000 }).start(); // flush, stats: an admin's
  const boxes = Array.from({ length: N }, (_, i) => new Box(i));
  const persist = await timed(() => pool(boxes, (b) => b.makePersistent()));
  const read = await timed(() => pool(boxes, (b) => b.dcGet('value')));
  const backend = client.backend('backend-1');
  const t = process.hrtime.bigint();
  await backend.flushAll();
  const flushMs = Number(process.hrtime.bigint() - t) / 1e6;
  const reload = await timed(() => pool(boxes, (b) => b.dcGet('value')));
  const stats = await backend.stats();
  return { persist, read, flushMs, reload, maxRss: stats.maxRss };
}

console.log(`bench/storage: ${N} objects, ${IN_FLIGHT} in flight, 1 backend\n`);
const raw = await rawLmdb();
const free = await cluster([]);
const bounded = await cluster(['--max-objects', String(BUDGET)]);
const rows = [
  ['phase', 'raw LMDB obj/s', 'dataClay obj/s', 'x raw', `budget ${BUDGET} obj/s`],
  ['persist', fmt(raw.persist), fmt(free.persist), fmt(free.persist / raw.persist, 3), fmt(bounded.persist)],
  ['read all', fmt(raw.read), fmt(free.read), fmt(free.read / raw.read, 3), fmt(bounded.read)],
  ['reload + read', fmt(raw.reload), fmt(free.reload), fmt(free.reload / raw.reload, 3), fmt(bounded.reload)],
];
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
console.log(`\nflushAll: ${fmt(free.flushMs)} ms (no budget), ${fmt(bounded.flushMs)} ms (budget)`);
console.log(
  `backend peak RSS: ${fmt(free.maxRss / 2 ** 20)} MiB without a budget, ${fmt(bounded.maxRss / 2 ** 20)} MiB with --max-objects ${BUDGET}`,
);

// bench/compare (`npm run bench:compare`): issue 17's table, side by side. Every operation of the table against a
// 3-backend dev cluster, the fastest raw NATS request/reply nats.js allows (publish + one reply subscription, the
// request multiplexer) measured in the same run, and, when DATACLAY_PYTHON names a Python with dataClay 4.3
// importable (and redis-server is on PATH), dataClay itself, rounds alternating. Medians of ROUNDS rounds.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Client } from '../src/index.js';
import { inboxPrefix, RequestMux } from '../src/internal.js';
import { Box, Echo } from './model.js';
import {
  asUser,
  benchCluster,
  fmt,
  inFlight,
  interleavedP50s,
  median,
  rawBaseline,
  syncedWriteP50,
  throughput,
  type Op,
} from './lib.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SEQ = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 20_000);
const CONTROL = Number(process.env.BENCH_CONTROL ?? 200); // moves, versions, consolidations per round
const PERSISTS = 1000;
// V8 compiles a backend's hot paths (TurboFan) after thousands of runs, not hundreds: measured on this machine, a
// move's p50 went from 1.8 ms (the first 300 after a start) to 1.1 ms after 3,000, and stayed at 1.8 ms with
// TurboFan off (node --no-opt); 1,000 sequential persists from 680/s to 1,100/s after 6 runs (docs/benchmarks.md,
// run 8: before a move waited for its source's note, which adds a sync to every move).
// The table is the steady state of a running system, so each operation is warmed up that long first, on both sides;
// what the first ones after a start cost is printed beside it.
const PERSIST_WARMUP = Number(process.env.BENCH_PERSIST_WARMUP ?? 8);
const CONTROL_WARMUP = Number(process.env.BENCH_CONTROL_WARMUP ?? 3000); // untimed moves, versions, consolidations
const PERSIST_RUNS = Number(process.env.BENCH_PERSIST_RUNS ?? 5);
const IN_FLIGHT = 64;
const IDLE_MS = 3; // about what a control-plane operation waits on the disk between its hops

/** One round's figures: latencies in µs, rates in operations per second. */
type Figures = Record<string, number>;

/** The rows of the table: key, label, unit ('us' p50 or '/s' rate), the dataClay 4.3.1 figure the issue measured. */
const ROWS: [key: string, label: string, unit: 'us' | '/s', earlier: number][] = [
  ['call', 'active-method call, p50', 'us', 8900],
  ['callTput', `call throughput, ${IN_FLIGHT} in flight`, '/s', 180],
  ['dcGet', 'dcGet p50', 'us', 3460],
  ['dcSet', 'dcSet p50, the same value (nothing to write)', 'us', 3040],
  // a changed state is written and synced before the reply; dataClay keeps it in memory either way (its one figure)
  ['dcSetNew', 'dcSet p50, a new value each time', 'us', 3040],
  ['getByAlias', 'getByAlias p50', 'us', 2820],
  ['persistSeq', `makePersistent, ${fmt(PERSISTS)} sequential`, '/s', 206],
  ['persistAtOnce', `makePersistent, ${fmt(PERSISTS)} at once`, '/s', 435],
  ['move', 'move, one object, p50', 'us', 8250],
  ['newVersion', 'newVersion p50', 'us', 10300],
  ['consolidate', 'consolidateVersion p50', 'us', 9700],
];
const RAW_ROWS = new Set(['call', 'callTput', 'dcGet', 'dcSet', 'getByAlias']);

/** The p50 of `op` over `n` runs after `warmup` untimed ones, each run after an untimed `prepare` of its argument. */
async function p50Prepared<T>(
  prepare: () => Promise<T>,
  op: (x: T) => Promise<unknown>,
  n: number,
  warmup = CONTROL_WARMUP,
): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < n + warmup; i++) {
    const x = await prepare();
    const t = process.hrtime.bigint();
    await op(x);
    if (i >= warmup) out.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return median(out);
}

/**
 * makePersistent of PERSISTS new objects, one after the other or all at once: the median rate of PERSIST_RUNS timed
 * runs, after PERSIST_WARMUP untimed ones. One run is a second or less, and a run's rate swings with the VM and
 * V8's tiering far more than the steady state does (docs/benchmarks.md); dataClay's side does the same.
 */
async function persistRate(atOnce: boolean, warmup = PERSIST_WARMUP): Promise<number> {
  const run = async () => {
    const boxes = Array.from({ length: PERSISTS }, (_, i) => new Box(i));
    const t = process.hrtime.bigint();
    if (atOnce) await Promise.all(boxes.map((b) => b.makePersistent()));
    else for (const b of boxes) await b.makePersistent();
    return PERSISTS / (Number(process.hrtime.bigint() - t) / 1e9);
  };
  for (let i = 0; i < warmup; i++) await run();
  const rates: number[] = [];
  for (let i = 0; i < PERSIST_RUNS; i++) rates.push(await run());
  return median(rates);
}

const model = fileURLToPath(new URL('./model.js', import.meta.url));
await using cluster = await benchCluster({ models: [model], backends: 3 });
await using _client = await new Client({ ...asUser(cluster), timeoutMs: 120_000 }).start();
const baseline = await rawBaseline(cluster);
const mux = new RequestMux(baseline.nc, inboxPrefix(asUser(cluster).user ?? 'admin'));
const payload = new Uint8Array(100).fill(7);

async function ourRound(): Promise<{ ours: Figures; raw: Figures }> {
  const raw: Op = () => mux.request(baseline.subject, payload, { timeoutMs: 30_000 });
  const echo = new Echo(payload);
  await echo.makePersistent({ backendId: 'backend-1' });
  const box = new Box(1);
  await box.makePersistent({ backendId: 'backend-2', alias: `compare-${Date.now()}-${Math.random()}` });
  const alias = [...(await box.getAliases())][0];
  // the sequential rows and their baseline in blocks that take turns: the same minutes for each
  const sequential = await interleavedP50s(
    {
      raw,
      call: () => echo.echo(payload),
      dcGet: () => echo.dcGet('payload'),
      dcSet: () => echo.dcSet('payload', payload),
      getByAlias: () => Box.getByAlias(alias),
    },
    SEQ,
  );
  const { raw: rawP50, ...ourSequential } = sequential;
  // apart from the interleaved blocks: each of these syncs the disk, which the others would feel
  let n = 0;
  const fresh = async () => {
    const next = new Uint8Array(payload);
    new DataView(next.buffer).setUint32(0, ++n);
    return next;
  };
  const dcSetNew = await p50Prepared(fresh, (value) => echo.dcSet('payload', value), SEQ / 4, 200);
  const rawTput = await throughput(raw, CONCURRENT, IN_FLIGHT);
  // a raw request that follows an idle wait, as each hop of a move or a persist follows one: the processes (and the
  // VM's cores) have gone idle, and waking them costs on every hop what a back-to-back loop never pays
  const rawIdle = await p50Prepared(() => new Promise((r) => setTimeout(r, IDLE_MS)), raw, CONTROL);
  const ours: Figures = {
    ...ourSequential,
    dcSetNew,
    callTput: await throughput(() => echo.echo(payload), CONCURRENT, IN_FLIGHT),
    persistSeqCold: await persistRate(false, 0), // the first 1,000 sequential after a start (round 1)
    persistSeq: await persistRate(false),
    persistAtOnce: await persistRate(true),
  };
  const mover = new Box(2);
  await mover.makePersistent({ backendId: 'backend-1' });
  let at = 1;
  const moveOnce = async (to: string) => {
    await mover.move(to);
    at++;
  };
  const nextTarget = async () => `backend-${(at % 3) + 1}`;
  const moveCold = await p50Prepared(nextTarget, moveOnce, CONTROL, 0); // the first after a start (round 1)
  ours.move = await p50Prepared(nextTarget, moveOnce, CONTROL);
  const original = new Box(3);
  await original.makePersistent({ backendId: 'backend-3' });
  ours.newVersion = await p50Prepared(
    async () => undefined,
    () => original.newVersion(),
    CONTROL,
  );
  ours.consolidate = await p50Prepared(
    () => original.newVersion(),
    (v) => v.consolidateVersion(),
    CONTROL,
  );
  return { ours: { ...ours, moveCold }, raw: { call: rawP50, callTput: rawTput, idle: rawIdle } };
}

/**
 * dataClay's round: bench/dataclay/compare.py starts Redis, a metadata service and 3 backends, runs the same
 * operations and prints one JSON line of figures in the same units.
 */
async function dataClayRound(python: string): Promise<Figures> {
  const script = fileURLToPath(new URL('../../bench/dataclay/compare.py', import.meta.url));
  const env = {
    ...process.env,
    BENCH_SEQUENTIAL: String(SEQ),
    BENCH_CONCURRENT: String(CONCURRENT),
    BENCH_CONTROL: String(CONTROL),
    BENCH_PERSIST_WARMUP: String(PERSIST_WARMUP),
    BENCH_CONTROL_WARMUP: String(CONTROL_WARMUP),
    BENCH_PERSIST_RUNS: String(PERSIST_RUNS),
  };
  const child = spawn(python, [script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`dataClay round failed (exit ${code}): ${line}`);
  return JSON.parse(line) as Figures;
}

/**
 * Where the time of the throughput row goes: the CPU each process spends per operation with 64 in flight, the raw
 * request beside the call (this client, the responder or backend-1, nats-server; lib.ts inFlight).
 */
async function cpuPerOperation(): Promise<string[]> {
  const echo = new Echo(payload);
  await echo.makePersistent({ backendId: 'backend-1' });
  const ops: [string, Op, number | undefined][] = [
    ['raw NATS request', () => mux.request(baseline.subject, payload, { timeoutMs: 30_000 }), baseline.pid],
    ['active-method call', () => echo.echo(payload), cluster.backend('backend-1').pid],
  ];
  const lines = [];
  for (const [name, op, responder] of ops) {
    const f = await inFlight(op, CONCURRENT, IN_FLIGHT, { responder, nats: cluster.nats.pid });
    const show = (micros: number) => (Number.isNaN(micros) ? '?' : fmt(micros, 1));
    lines.push(
      `${name.padEnd(20)} client ${show(f.client)} µs, ` +
        `${responder === baseline.pid ? 'responder' : 'backend-1'} ${show(f.responder)} µs, ` +
        `nats-server ${show(f.nats)} µs`,
    );
  }
  return lines;
}

const python = process.env.DATACLAY_PYTHON;
const rounds: { ours: Figures; raw: Figures; dataclay?: Figures }[] = [];
const loads: number[] = [];
try {
  const mode = cluster.secured ? 'secured' : 'open (BENCH_INSECURE)';
  console.log(
    `bench/compare: 3 backends, ${mode}, 100 B payloads, medians of ${ROUNDS} rounds; dataClay: ${python ? `${python}, alternating` : 'not in this run (set DATACLAY_PYTHON)'}\n`,
  );
  for (let r = 0; r < ROUNDS; r++) {
    loads.push(loadavg()[0]);
    const dataclay = python ? await dataClayRound(python) : undefined;
    const { ours, raw } = await ourRound();
    rounds.push({ ours, raw, dataclay });
    console.log(`round ${r + 1}/${ROUNDS} done (1-min load ${fmt(loadavg()[0], 2)})`);
  }
  loads.push(loadavg()[0]);
  const med = (pick: (r: (typeof rounds)[number]) => number | undefined) => {
    const xs = rounds.map(pick).filter((x): x is number => x !== undefined);
    return xs.length ? median(xs) : undefined;
  };
  const show = (x: number | undefined, unit: 'us' | '/s') =>
    x === undefined ? '' : unit === 'us' ? (x >= 1000 ? `${fmt(x / 1000, 2)} ms` : `${fmt(x)} µs`) : `${fmt(x)}/s`;
  // how many times better: lower latency or higher rate
  const better = (ours: number, other: number, unit: 'us' | '/s') => (unit === 'us' ? other / ours : ours / other);
  const table: string[][] = [
    [
      'operation',
      python ? 'dataClay 4.3.1' : 'dataClay 4.3.1 (earlier)',
      'this project',
      'raw NATS',
      'x dataClay',
      'x raw',
    ],
  ];
  for (const [key, label, unit, earlier] of ROWS) {
    const ours = med((r) => r.ours[key]) ?? Number.NaN;
    const dc = python ? med((r) => r.dataclay?.[key]) : earlier;
    const rawKey = key === 'callTput' ? 'callTput' : 'call'; // every latency row against the raw request's p50
    const raw = RAW_ROWS.has(key) ? med((r) => r.raw[rawKey]) : undefined;
    table.push([
      label,
      show(dc, unit),
      show(ours, unit),
      show(raw, unit),
      dc === undefined ? '' : `${fmt(better(ours, dc, unit), 2)}x`,
      raw === undefined ? '' : `${fmt(ours / raw, 2)}x`, // latency over raw's, or throughput over raw's
    ]);
  }
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  console.log('');
  for (const row of table)
    console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  console.log(
    `\nx dataClay: how many times faster (latency) or more (rate). x raw: latency / raw p50, throughput / raw throughput.`,
  );
  if (!python)
    console.log(
      'dataClay column: measured earlier (issue 17, dataClay 4.3.1 with Redis and 3 backends, same machine), not in this run.',
    );
  console.log(`1-minute load average over the run: ${loads.map((l) => fmt(l, 2)).join(', ')}`);
  const first = rounds[0].ours;
  console.log(
    `Warmed up first: ${fmt(CONTROL_WARMUP)} untimed moves, versions and consolidations, ${PERSIST_WARMUP} untimed ` +
      `runs of ${fmt(PERSISTS)} persists. Just after the start (round 1, before that): move p50 ` +
      `${show(first.moveCold, 'us')}, makePersistent ${fmt(PERSISTS)} sequential ${show(first.persistSeqCold, '/s')} ` +
      `(median of the first ${PERSIST_RUNS} runs).`,
  );
  console.log(
    `A raw request after ${IDLE_MS} ms idle, as each hop of a move or a persist follows a wait: p50 ` +
      `${fmt(med((r) => r.raw.idle) ?? Number.NaN)} µs (back to back: ${fmt(med((r) => r.raw.call) ?? Number.NaN)} µs).`,
  );
  const floor = await syncedWriteP50();
  console.log(
    `\nThe disk's floor under a sequential makePersistent: one synced write of a record and its intent to a backend's ` +
      `store, p50 ${fmt(floor)} µs (at most ${fmt(1e6 / floor)}/s, before any request or metadata).`,
  );
  if (process.platform === 'linux') {
    console.log(`\nCPU per operation, ${IN_FLIGHT} in flight (/proc; 1-minute load ${fmt(loadavg()[0], 2)}):`);
    for (const line of await cpuPerOperation()) console.log(`  ${line}`);
  }
} finally {
  mux.close();
  await baseline.close();
}

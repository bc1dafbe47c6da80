// bench/in-flight: 64 requests in flight to one backend, the raw multiplexed request/reply beside an active-method
// call and a dcGet, rounds taking turns: throughput and the CPU each process spends per operation (client, the
// responder or backend, nats-server; /proc), medians of the rounds. CPU, not wall time, is what a change to the
// work per request moves; the throughput is what the 2 shared cores make of it.
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Client } from '../src/index.js';
import { inboxPrefix, RequestMux } from '../src/internal.js';
import { Echo } from './model.js';
import { asUser, benchCluster, fmt, type InFlightFigures, inFlight, median, rawBaseline, type Op } from './lib.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TOTAL = Number(process.env.BENCH_CONCURRENT ?? 50_000);
const IN_FLIGHT = 64;

const model = fileURLToPath(new URL('./model.js', import.meta.url));
await using cluster = await benchCluster({ models: [model], backends: 1 });
await using _client = await new Client({ ...asUser(cluster) }).start();
const baseline = await rawBaseline(cluster);
const mux = new RequestMux(baseline.nc, inboxPrefix(asUser(cluster).user ?? 'admin'));
const payload = new Uint8Array(100).fill(7);
const obj = new Echo(payload);
await obj.makePersistent({ backendId: 'backend-1' });
const backendPid = cluster.backend('backend-1').pid;

const ops: [string, Op, number | undefined][] = [
  ['raw NATS request', () => mux.request(baseline.subject, payload, { timeoutMs: 30_000 }), baseline.pid],
  ['active-method call', () => obj.echo(payload), backendPid],
  ['dcGet', () => obj.dcGet('payload'), backendPid],
];
const figures = new Map<string, InFlightFigures[]>(ops.map(([name]) => [name, []]));
const loads: number[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, op, responder] of ops) {
      figures.get(name)?.push(await inFlight(op, TOTAL, IN_FLIGHT, { responder, nats: cluster.nats.pid }));
    }
    loads.push(loadavg()[0]);
  }
  const med = (name: string, key: keyof InFlightFigures) => median((figures.get(name) ?? []).map((f) => f[key]));
  const rawRate = med('raw NATS request', 'rate');
  console.log(`bench/in-flight: 1 backend, ${IN_FLIGHT} in flight, 100 B, medians of ${ROUNDS} rounds\n`);
  console.log('op                  ops/s    x raw  CPU µs/op: client  server  nats-server');
  for (const [name] of ops) {
    const cells = [fmt(med(name, 'rate')).padStart(7), `${fmt(med(name, 'rate') / rawRate, 2)}x`.padStart(7)];
    const cpu = (['client', 'responder', 'nats'] as const).map((k) => fmt(med(name, k), 1).padStart(7));
    console.log(`${name.padEnd(19)} ${cells.join('  ')}  ${' '.repeat(9)}${cpu.join(' ')}`);
  }
  console.log(`\n1-minute load average after each round: ${loads.map((l) => fmt(l, 2)).join(', ')}`);
} finally {
  mux.close();
  await baseline.close();
}

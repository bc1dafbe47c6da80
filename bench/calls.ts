// bench/calls: raw NATS request/reply vs an active-method call vs dcGet, same payloads, one run, one machine.
// Sequential: median latency per operation. Concurrent: throughput with 64 requests in flight.
import { fileURLToPath } from 'node:url';
import { Client } from '../src/index.js';
import { backupsComparison } from './backups-compare.js';
import { Echo } from './model.js';
import { asUser, benchCluster, fmt, latencies, median, pairedRatio, rawBaseline, throughput, type Op } from './lib.js';

const SIZES = [100, 4096];
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 3000);
const CONCURRENT_TOTAL = Number(process.env.BENCH_CONCURRENT ?? 20000);
const IN_FLIGHT = 64;
const ROUNDS = 3;

const model = fileURLToPath(new URL('./model.js', import.meta.url));
// BENCH_OTEL=1: the client and the backend trace every operation (an SDK exporting nowhere: otel-noop.ts)
const otel = process.env.BENCH_OTEL === '1' ? fileURLToPath(new URL('./otel-noop.js', import.meta.url)) : undefined;
if (otel) await import(otel);
const backendArgs = otel ? ['--otel-module', otel] : [];
await using cluster = await benchCluster({ models: [model], backends: 1, backendArgs });
await using _client = await new Client({ ...asUser(cluster) }).start();
const baseline = await rawBaseline(cluster);
const { nc } = baseline;

try {
  const mode = cluster.secured ? 'secured' : 'open (BENCH_INSECURE)';
  const traced = otel ? ', traced (OpenTelemetry SDK, no-op exporter)' : '';
  console.log(`bench/calls: 1 backend, nats-server ${cluster.natsUrl} ${mode}${traced}; medians of ${ROUNDS} rounds\n`);
  const rows: string[][] = [['payload', 'op', 'seq p50 µs', 'x raw', `${IN_FLIGHT} in flight ops/s`, 'x raw']];
  const paired: string[] = [];
  for (const size of SIZES) {
    const payload = new Uint8Array(size).fill(7);
    const obj = new Echo(payload);
    await obj.makePersistent();
    const ops: Record<string, Op> = {
      'raw NATS request': () => nc.request(baseline.subject, payload, { timeout: 5000 }),
      'active method call': () => obj.echo(payload),
      dcGet: () => obj.dcGet('payload'),
    };
    const seq: Record<string, number[]> = {};
    const tput: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, op] of Object.entries(ops)) {
        seq[name] ??= [];
        tput[name] ??= [];
        seq[name].push(median(await latencies(op, SEQUENTIAL)));
        tput[name].push(await throughput(op, CONCURRENT_TOTAL, IN_FLIGHT));
      }
    }
    const call = await pairedRatio(ops['raw NATS request'], ops['active method call']);
    paired.push(`${size} B call ${fmt(call, 2)}x raw`);
    const rawSeq = median(seq['raw NATS request']);
    const rawTput = median(tput['raw NATS request']);
    for (const name of Object.keys(ops)) {
      const s = median(seq[name]);
      const t = median(tput[name]);
      rows.push([`${size} B`, name, fmt(s), fmt(s / rawSeq, 2), fmt(t), fmt(t / rawTput, 2)]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  console.log(`\nsequential, paired (100 alternating blocks of 50, median of block ratios): ${paired.join('; ')}`);
  console.log('targets: sequential call <= 1.30x raw; 64-in-flight call throughput >= 0.70x raw');
} finally {
  await baseline.close();
}
if (process.env.BENCH_BACKUPS !== '0')
  await backupsComparison(SIZES, Math.round(SEQUENTIAL / 3), Math.round(CONCURRENT_TOTAL / 4), IN_FLIGHT);

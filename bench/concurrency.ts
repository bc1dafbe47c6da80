// bench/concurrency: calls/s at 1, 8, 64 and 256 in flight vs raw NATS request/reply at the same levels, in one
// run; and makePersistent objects/s sequential vs concurrent.
import { fileURLToPath } from 'node:url';
import { Client } from '../src/index.js';
import { Box, Echo } from './model.js';
import { asUser, benchCluster, fmt, median, rawBaseline, throughput } from './lib.js';

const LEVELS = [1, 8, 64, 256];
const TOTAL = Number(process.env.BENCH_CONCURRENT ?? 10_000);
const PERSISTS = Number(process.env.BENCH_PERSISTS ?? 3_000);
const ROUNDS = 3;

const model = fileURLToPath(new URL('./model.js', import.meta.url));
await using cluster = await benchCluster({ models: [model], backends: 1 });
await using _client = await new Client({ ...asUser(cluster), timeoutMs: 60_000 }).start();
const baseline = await rawBaseline(cluster);
const { nc } = baseline;

try {
  const payload = new Uint8Array(100).fill(1);
  const echo = new Echo(payload);
  await echo.makePersistent();
  console.log(`bench/concurrency: 1 backend, 100 B payloads, medians of ${ROUNDS} rounds\n`);
  console.log(['in flight', 'raw NATS ops/s', 'call ops/s', 'x raw'].join('  '));
  for (const level of LEVELS) {
    const raw: number[] = [];
    const call: number[] = [];
    const total = level === 1 ? Math.min(TOTAL, 3000) : TOTAL;
    for (let r = 0; r < ROUNDS; r++) {
      raw.push(await throughput(() => nc.request(baseline.subject, payload, { timeout: 60_000 }), total, level));
      call.push(await throughput(() => echo.echo(payload), total, level));
    }
    console.log(
      [
        String(level).padStart(9),
        fmt(median(raw)).padStart(14),
        fmt(median(call)).padStart(10),
        fmt(median(call) / median(raw), 2).padStart(5),
      ].join('  '),
    );
  }

  const timed = async (inFlight: number) => {
    const boxes = Array.from({ length: PERSISTS }, (_, i) => new Box(i));
    let next = 0;
    const t = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < boxes.length) await boxes[next++].makePersistent();
      }),
    );
    return PERSISTS / (Number(process.hrtime.bigint() - t) / 1e9);
  };
  const sequential = await timed(1);
  const concurrent = await timed(64);
  console.log(
    `\nmakePersistent of ${PERSISTS} small objects: ${fmt(sequential)} obj/s sequential, ${fmt(concurrent)} obj/s with 64 in flight (x${fmt(concurrent / sequential, 1)})`,
  );
} finally {
  await baseline.close();
}

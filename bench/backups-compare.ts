// bench/calls, last part: what a backup costs a mutating call. Each call changes the object, so its record is
// written through before the reply; with `--backups 1` the master also sends the new state to its backup, which
// writes it to its own store before it answers. The same measurement on a 2-backend cluster with --backups 0 and one
// with --backups 1, started in turn (0, 1, 0, 1) in this run; medians per setting, and their ratio.
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Client } from '../src/index.js';
import { Echo } from './model.js';
import { asUser, benchCluster, fmt, latencies, median, throughput } from './lib.js';

const model = fileURLToPath(new URL('./model.js', import.meta.url));

export async function backupsComparison(sizes: number[], sequential: number, total: number, inFlight: number) {
  const seq = new Map<string, number[]>();
  const tput = new Map<string, number[]>();
  for (let round = 0; round < 2; round++) {
    for (const backups of [0, 1]) {
      const namespace = `backups${backups}`;
      await using cluster = await benchCluster({ models: [model], backends: 2, backups, namespace });
      await using _client = await new Client({ ...asUser(cluster), namespace }).start();
      for (const size of sizes) {
        const payloads = [new Uint8Array(size).fill(1), new Uint8Array(size).fill(2)];
        const obj = new Echo(payloads[0]);
        await obj.makePersistent({ backendId: 'backend-1' });
        let n = 0;
        const op = () => obj.keep(payloads[n++ % 2]); // a different state each call: always a write
        const key = `${size}/${backups}`;
        seq.set(key, [...(seq.get(key) ?? []), median(await latencies(op, sequential))]);
        tput.set(key, [...(tput.get(key) ?? []), await throughput(op, total, inFlight)]);
      }
    }
  }
  console.log(`\nmutating call (keep), 2 backends, --backups 1 vs --backups 0 (clusters in turn, 2 rounds each)`);
  console.log('payload  backups  seq p50 µs  x b0  64 in flight ops/s  x b0');
  for (const size of sizes) {
    const [s0, t0] = [median(seq.get(`${size}/0`)!), median(tput.get(`${size}/0`)!)];
    for (const b of [0, 1]) {
      const [s, t] = [median(seq.get(`${size}/${b}`)!), median(tput.get(`${size}/${b}`)!)];
      console.log(
        `${`${size} B`.padEnd(7)}  ${String(b).padStart(7)}  ${fmt(s).padStart(10)}  ${fmt(s / s0, 2).padStart(4)}  ${fmt(t).padStart(18)}  ${fmt(t / t0, 2).padStart(4)}`,
      );
    }
  }
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

// Measurement helpers shared by the benchmarks: medians of sequential latencies, throughput at a concurrency.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type Op = () => Promise<unknown>;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Per-operation latencies (µs) of `n` sequential runs after a warm-up. */
export async function latencies(op: Op, n: number, warmup = 300): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await op();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await op();
    out.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return out;
}

/** Operations per second with `inFlight` operations outstanding at all times. */
export async function throughput(op: Op, total: number, inFlight: number): Promise<number> {
  let started = 0;
  const worker = async () => {
    while (started < total) {
      started++;
      await op();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker)); // warm-up round at the same concurrency
  started = 0;
  const t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return total / (Number(process.hrtime.bigint() - t) / 1e9);
}

/** Runs a compiled bench helper as a child process and waits for its 'ready' message. */
export async function forkReady(module: URL, args: string[]): Promise<ChildProcess> {
  const child = fork(fileURLToPath(module), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${module} exited with ${code}`)));
    child.once('message', () => resolve());
  });
  child.removeAllListeners('exit');
  return child;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

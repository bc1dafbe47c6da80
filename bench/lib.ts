// Measurement helpers shared by the benchmarks: medians of sequential latencies, throughput at a concurrency, and
// the cluster with its raw-NATS baseline. Secured as by default (BENCH_INSECURE=1: open).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { DevCluster, type DevClusterOptions, type NatsConnectOptions } from '../src/index.js';
import { connectNats, natsEnv, ObjectStore, resolveNatsSettings } from '../src/internal.js';

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

/**
 * The sequential latency of `b` over `a`, robust to a machine whose load changes under the run: blocks of `size`
 * operations of each, alternating, `blocks` times; the median over the blocks of (b's block median / a's).
 */
export async function pairedRatio(a: Op, b: Op, blocks = 100, size = 50): Promise<number> {
  for (let i = 0; i < 200; i++) await Promise.all([a(), b()]); // warm-up
  const ratios: number[] = [];
  for (let block = 0; block < blocks; block++) {
    const ta = median(await latencies(a, size, 0));
    const tb = median(await latencies(b, size, 0));
    ratios.push(tb / ta);
  }
  return median(ratios);
}

/**
 * The p50 of each of `ops`, measured in blocks of `size` operations that take turns (`total` of each in all, after a
 * warm-up): each operation sees the same minutes of a machine whose load and clock change under the run, so their
 * ratios do not depend on which ran first.
 */
export async function interleavedP50s<K extends string>(
  ops: Record<K, Op>,
  total: number,
  size = 50,
): Promise<Record<K, number>> {
  const names = Object.keys(ops) as K[];
  const samples = new Map<K, number[]>(names.map((name) => [name, []]));
  for (const name of names) await latencies(ops[name], 0, Math.min(200, total)); // warm-up
  for (let done = 0; done < total; done += size) {
    for (const name of names) samples.get(name)!.push(...(await latencies(ops[name], Math.min(size, total - done), 0)));
  }
  return Object.fromEntries(names.map((name) => [name, median(samples.get(name)!)])) as Record<K, number>;
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

/** Throughput at a concurrency, and the CPU per operation (µs) of this process, a responder's and nats-server's. */
export interface InFlightFigures {
  rate: number;
  client: number;
  responder: number;
  nats: number;
}

/**
 * throughput() of `op` with the CPU it costs each process (/proc; NaN for one not known): over both of
 * throughput()'s rounds, the warm-up and the timed one. CPU, not wall time: the machine's load changes how long a
 * run takes much more than what each operation costs.
 */
export async function inFlight(
  op: Op,
  total: number,
  concurrency: number,
  pids: { responder: number | undefined; nats: number | undefined },
): Promise<InFlightFigures> {
  const before = [process.cpuUsage(), cpuMicros(pids.responder), cpuMicros(pids.nats)] as const;
  const rate = await throughput(op, total, concurrency);
  const client = process.cpuUsage(before[0]);
  const per = (now: number | undefined, then: number | undefined) =>
    now === undefined || then === undefined ? Number.NaN : (now - then) / (2 * total);
  return {
    rate,
    client: (client.user + client.system) / (2 * total),
    responder: per(cpuMicros(pids.responder), before[1]),
    nats: per(cpuMicros(pids.nats), before[2]),
  };
}

export function benchCluster(options: DevClusterOptions): Promise<DevCluster> {
  return DevCluster.start({ ...options, insecure: process.env.BENCH_INSECURE === '1' });
}

/** How the bench's client connects: as the client user (secured), or as anyone (open). */
export function asUser(cluster: DevCluster): NatsConnectOptions {
  return cluster.secured ? cluster.connectOptionsFor('user') : cluster.connectOptions;
}

/** As the admin (stats, flush). */
export function asAdmin(cluster: DevCluster): NatsConnectOptions {
  return cluster.connectOptions;
}

export interface RawBaseline {
  /** The raw client's connection: `nc.request(subject, ...)`. */
  nc: NatsConnection;
  subject: string;
  /** The responder's process. */
  pid: number | undefined;
  close(): Promise<void>;
}

/**
 * Raw NATS request/reply through the same permissions as a call: a responder process with a backend identity on a
 * subject of the user's space (no backend has the id `raw`), and a client as the user.
 */
export async function rawBaseline(cluster: DevCluster): Promise<RawBaseline> {
  const backend = cluster.secured ? cluster.connectOptionsFor('backend') : cluster.connectOptions;
  const user = asUser(cluster);
  const subject = `dc.${cluster.namespace}.u.${user.user ?? 'admin'}.be.raw.echo`;
  const env = { ...process.env, ...natsEnv(resolveNatsSettings(backend, {})) };
  const responder = await forkReady(new URL('./raw-responder.js', import.meta.url), [subject], env);
  const nc = await connectNats(resolveNatsSettings(user, {}), 'bench-raw-client');
  return {
    nc,
    subject,
    pid: responder.pid,
    async close() {
      await nc.close();
      responder.kill();
    },
  };
}

/** Runs a compiled bench helper as a child process and waits for its 'ready' message. */
export async function forkReady(module: URL, args: string[], env = process.env): Promise<ChildProcess> {
  const child = fork(fileURLToPath(module), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env });
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

/** CPU time (user + system, µs) a process has used, from /proc (Linux); undefined elsewhere or when it is gone. */
export function cpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // fields after the command's closing parenthesis: utime and stime are the 12th and 13th, in clock ticks (100/s)
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

/**
 * The disk's floor under a sequential makePersistent: the p50 (µs) of one synced write to a backend's store of what a
 * persist writes (a record and its intent, in one transaction), in a store of its own in a temp dir.
 */
export async function syncedWriteP50(n = 500): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-sync-'));
  const store = ObjectStore.open(path.join(dir, 'store'));
  try {
    const state = new Uint8Array(60).fill(3);
    const times: number[] = [];
    for (let i = 0; i < n + 50; i++) {
      const id = `o${i}`;
      const t = process.hrtime.bigint();
      await Promise.all([store.putIntent(`i${i}`, { ids: [id], dataset: 'bench' }), store.put(id, state)]);
      if (i >= 50) times.push(Number(process.hrtime.bigint() - t) / 1000);
      store.retireIntent(`i${i}`);
    }
    return median(times);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// The test side of cluster-workload-worker.ts: start a workload per NATS server, watch it progress, stop it, and read
// its report (how long each kind of operation could not succeed).
import { Worker } from 'node:worker_threads';
import { waitFor } from './helpers.js';
import type { OpKind, OpRecord, WorkloadInput, WorkloadReport } from './cluster-workload-worker.js';

interface Progress {
  ok?: number;
  lastOk?: Partial<Record<OpKind, number>>;
  runningSince?: number;
  failed?: number;
  lastFailure?: string;
}

export interface Workload {
  /** Operations acknowledged so far (as last reported). */
  readonly ok: number;
  /** Until `more` operations beyond the current count are acknowledged. */
  /** When each kind of operation last started one that succeeded, as of the last progress message. */
  readonly lastOk: Partial<Record<OpKind, number>>;
  /** When the oldest operation still running started (Infinity when none runs), as of the last progress message. */
  readonly runningSince: number;
  progress(more: number, what: string): Promise<void>;
  stop(): Promise<WorkloadReport>;
}

export async function startWorkload(input: WorkloadInput): Promise<Workload> {
  const worker = new Worker(new URL('./cluster-workload-worker.js', import.meta.url), { workerData: input });
  let ok = 0;
  let lastOk: Partial<Record<OpKind, number>> = {};
  let runningSince = Number.POSITIVE_INFINITY;
  let report: WorkloadReport | undefined;
  let failed: Error | undefined;
  worker.on('error', (err) => (failed = err));
  let failures = '';
  worker.on('message', (msg: Progress & { type: string; report?: WorkloadReport }) => {
    if (msg.type === 'progress') {
      ok = msg.ok!;
      lastOk = { ...msg.lastOk };
      runningSince = msg.runningSince ?? Number.POSITIVE_INFINITY; // structured clone keeps Infinity
      failures = `${msg.failed} failed, the last: ${msg.lastFailure ?? 'none'}`;
    }
    if (msg.type === 'report') report = msg.report;
  });
  let ready = false;
  worker.once('message', () => (ready = true));
  await waitFor(() => ready || failed, { timeoutMs: 60_000, what: 'the workload started' });
  if (failed) throw failed;
  return {
    get ok() {
      return ok;
    },
    get lastOk() {
      return lastOk;
    },
    get runningSince() {
      return runningSince;
    },
    async progress(more, what) {
      const target = ok + more;
      // a workload that does not progress says why: its acknowledged count and its last failure
      const status = () => `${what} (${input.prefix}: ${ok} acknowledged of ${target} awaited, ${failures})`;
      await waitFor(() => ok >= target || failed, { timeoutMs: 120_000, intervalMs: 50, what: status() }).catch(
        (err: Error) => {
          throw new Error(`${status()}: ${err.message}`);
        },
      );
      if (failed) throw failed;
    },
    async stop() {
      worker.postMessage('stop');
      await waitFor(() => report ?? failed, { timeoutMs: 120_000, what: 'the workload stopped' });
      await worker.terminate();
      if (failed) throw failed;
      return report!;
    },
  };
}

/** The longest time one kind of operation could not succeed, and when (ms since the epoch). */
export interface FailingWindow {
  ms: number;
  from: number;
  to: number;
}

/**
 * Per kind of operation, the longest time it could not succeed: from the end of the last success before a failed
 * attempt to the end of the first success after it, or to the end of the workload (0 when none failed). A request
 * that waited out its timeout makes a window at least that long, however soon others succeeded.
 */
export function failingWindows(ops: readonly OpRecord[]): Record<OpKind, FailingWindow> {
  const none = (): FailingWindow => ({ ms: 0, from: 0, to: 0 });
  const out: Record<OpKind, FailingWindow> = { create: none(), call: none(), getByAlias: none(), move: none() };
  // a failure with no success after it lasts until the workload ended (the observation stops there)
  const end = Math.max(...ops.map((o) => o.at + o.ms));
  for (const kind of Object.keys(out) as OpKind[]) {
    const mine = ops.filter((o) => o.kind === kind);
    const successes = mine
      .filter((o) => o.ok)
      .map((o) => o.at + o.ms)
      .sort((a, b) => a - b);
    for (const f of mine.filter((o) => !o.ok)) {
      const from = successes.filter((done) => done <= f.at).at(-1) ?? f.at;
      const to = successes.find((done) => done >= f.at + f.ms) ?? end;
      if (to - from > out[kind].ms) out[kind] = { ms: to - from, from, to };
    }
  }
  return out;
}

/** The median of `values` (0 for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

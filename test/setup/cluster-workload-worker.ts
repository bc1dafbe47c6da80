// A bounded workload in a worker thread of its own (a process has one active client; here each thread's client sits
// on another NATS server): creates with aliases, calls, getByAlias and moves in a few lanes, until told to stop.
// It reports what was acknowledged and every operation's outcome and timing (cluster-workload.ts reads them).
import { parentPort, workerData } from 'node:worker_threads';
import { Client, type NatsConnectOptions } from '../../src/index.js';
import { Person } from '../models/index.js';

export type OpKind = 'create' | 'call' | 'getByAlias' | 'move';

export interface WorkloadInput {
  nats: NatsConnectOptions;
  namespace: string;
  /** Aliases made here start with it. */
  prefix: string;
  backends: string[];
  lanes: number;
  timeoutMs: number;
}

export interface OpRecord {
  kind: OpKind;
  at: number;
  ms: number;
  ok: boolean;
  /** The error's class name, and the start of its message. */
  error?: string;
  message?: string;
}

export interface WorkloadReport {
  /** Acknowledged creates, and per alias the calls acknowledged and attempted (an unacknowledged one may be applied). */
  created: { alias: string; id: string; acked: number; attempted: number }[];
  ops: OpRecord[];
}

const input = workerData as WorkloadInput;
const client = await new Client({ ...input.nats, namespace: input.namespace, timeoutMs: input.timeoutMs }).start();
const created: WorkloadReport['created'] = [];
const objects: Person[] = [];
const ops: OpRecord[] = [];
let stopping = false;
/** When each kind of operation last started one that succeeded (the test waits for every kind to come back). */
const lastOk: Partial<Record<OpKind, number>> = {};
/** When each operation now running started (the test waits for those begun before a restart to end). */
const running = new Set<{ at: number }>();
let serial = 0;

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)];

let acknowledged = 0;
let lastFailure: string | undefined;

async function timed(kind: OpKind, run: () => Promise<void>): Promise<void> {
  const at = Date.now();
  const op = { at };
  running.add(op);
  try {
    await run();
    ops.push({ kind, at, ms: Date.now() - at, ok: true });
    lastOk[kind] = at;
    acknowledged++;
  } catch (err) {
    const { name, message } = err as Error;
    ops.push({ kind, at, ms: Date.now() - at, ok: false, error: name, message: String(message).slice(0, 120) });
    lastFailure = `${kind}: ${name}: ${String(message).slice(0, 200)}`;
  } finally {
    running.delete(op);
  }
}

// progress, a few times a second: what has been acknowledged, and the last failure (a test that waits in vain says it)
const reporter = setInterval(() => {
  const failed = ops.length - acknowledged;
  const runningSince = Math.min(...[...running].map((o) => o.at));
  parentPort!.postMessage({ type: 'progress', ok: acknowledged, lastOk, runningSince, failed, lastFailure });
}, 200);

async function lane(): Promise<void> {
  while (!stopping) {
    const r = Math.random();
    if (objects.length < 3 || r < 0.25) {
      const alias = `${input.prefix}-${serial++}`;
      const p = new Person(alias, 0);
      await timed('create', async () => {
        await p.makePersistent({ alias });
        created.push({ alias, id: p.id, acked: 0, attempted: 0 });
        objects.push(p);
      });
    } else if (r < 0.6) {
      const i = Math.floor(Math.random() * objects.length);
      created[i].attempted++;
      await timed('call', async () => {
        await objects[i].addYear();
        created[i].acked++;
      });
    } else if (r < 0.85) {
      const i = Math.floor(Math.random() * objects.length);
      await timed('getByAlias', async () => {
        const found = await Person.getByAlias(created[i].alias);
        if (found.id !== created[i].id) throw new Error(`${created[i].alias} names ${found.id}`);
      });
    } else {
      const p = pick(objects);
      const to = pick(input.backends.filter((b) => b !== p.backendId));
      await timed('move', () => p.move(to));
    }
    await new Promise((resolve) => setTimeout(resolve, 10)); // bounded: a few hundred operations a second at most
  }
}

const lanes = Promise.all(Array.from({ length: input.lanes }, lane));
parentPort!.postMessage({ type: 'ready' });
parentPort!.on('message', async (msg: string) => {
  if (msg !== 'stop') return;
  stopping = true;
  await lanes;
  clearInterval(reporter);
  await client.stop();
  const report: WorkloadReport = { created, ops };
  parentPort!.postMessage({ type: 'report', report });
});

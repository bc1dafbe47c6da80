// A bucket whose reads and writes ride out a stream without a leader. When a NATS server dies, every stream it led
// answers nobody until its Raft group elects another leader (4-9 s: nats-server's election timeouts; measured in
// docs/scaling.md); a request in flight to it gets no answer at all. Failing the backend's request then would fail
// creates, moves and lookups for the whole election, and a move taken back halfway would leave its metadata naming
// the wrong backend. So each operation is asked again, within a budget:
// - "no responders": nothing was done, asking again is always safe;
// - a timeout: the write may have been done. Reads, puts and plain deletes are asked again as they are; a
//   conditional write (create, update, delete at a revision) asked again may then meet its own earlier success as a
//   conflict, so a conflict after a timeout is checked against the key: holding what we wrote is our success.
import type { KV } from '@nats-io/kv';
import { MetadataUnreachableError } from '../errors.js';
import { isNoResponders, isTimeout, isWrongSequence } from './kv-errors.js';
import type { FastKv } from './kv-fast.js';

/** How long one operation keeps asking: past any election (9 s) plus a request lost with its server (5 s). */
const BUDGET_MS = 15_000;
/** Pauses between attempts double up to the last: a new leader is found within half a second of its election. */
const FIRST_PAUSE_MS = 100;
const MAX_PAUSE_MS = 500;

type Operation = 'get' | 'put' | 'create' | 'update' | 'delete';

/** `kv` (the bucket `bucket`) with get, put, create, update and delete asked again while its stream cannot answer. */
export function retryingKv(kv: KV, bucket: string, budgetMs = BUDGET_MS): KV {
  const retry = <T>(operation: Operation, run: () => Promise<T>, settled?: Settled<T>) =>
    withRetries(bucket, operation, budgetMs, run, settled);
  const get = (key: string) => retry('get', () => kv.get(key));
  // a conflict of a create or update: the key holds what we wrote, at the revision our earlier attempt made
  const wrote = (key: string, value: Uint8Array) =>
    ownWrite(value, async () => {
      const entry = await get(key);
      return entry?.operation === 'PUT' ? { bytes: entry.value, result: entry.revision } : undefined;
    });
  // a conflict of a delete at a revision: the key is deleted (our earlier attempt did it)
  const deleted =
    (key: string): Settled<void> =>
    async (err) => {
      if (!isWrongSequence(err)) return undefined;
      return (await get(key))?.operation === 'DEL' ? { value: undefined } : undefined;
    };
  const retried: Partial<KV> = {
    get: (key, options) => retry('get', () => kv.get(key, options)),
    put: (key, value, options) => retry('put', () => kv.put(key, value, options)),
    create: (key, value) => retry('create', () => kv.create(key, value), wrote(key, bytesOf(value))),
    update: (key, value, revision, timeout) =>
      retry('update', () => kv.update(key, value, revision, timeout), wrote(key, bytesOf(value))),
    delete: (key, options) =>
      retry('delete', () => kv.delete(key, options), options?.previousSeq === undefined ? undefined : deleted(key)),
  };
  return new Proxy(kv, {
    get(target, property) {
      if (Object.hasOwn(retried, property)) return retried[property as keyof KV];
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** What the metadata store uses of kv-fast.ts's hot path. */
export type FastObjects = Pick<FastKv, 'put' | 'create' | 'get'>;

/** The hot path's unconditional puts, creates and reads asked again as `retryingKv` asks the bucket's own. */
export function retryingFastKv(fast: FastObjects, bucket: string, budgetMs = BUDGET_MS): FastObjects {
  const retry = <T>(operation: Operation, run: () => Promise<T>, settled?: Settled<T>) =>
    withRetries(bucket, operation, budgetMs, run, settled);
  // a create's conflict after a timeout: the key holds what we wrote (the revision is not read back: 0)
  const wrote = (key: string, value: Uint8Array) =>
    ownWrite(value, async () => {
      const bytes = await retry('get', () => fast.get(key));
      return bytes ? { bytes, result: 0 } : undefined;
    });
  return {
    get: (key) => retry('get', () => fast.get(key)),
    put: (key, value, previousSeq) =>
      retry('put', () => fast.put(key, value, previousSeq), previousSeq === undefined ? undefined : wrote(key, value)),
    create: (key, value) => retry('create', () => fast.create(key, value), wrote(key, value)),
  };
}

/** After a timeout, what a later attempt's failure means: the earlier attempt's success, or undefined (a failure). */
type Settled<T> = (err: unknown) => Promise<{ value: T } | undefined>;

/**
 * A conditional write's conflict after a timeout is our own earlier attempt's success when the key holds exactly
 * what we wrote. `read` gives the key's bytes now and what the write returns then (its revision, where it is known).
 */
function ownWrite<T>(value: Uint8Array, read: () => Promise<{ bytes: Uint8Array; result: T } | undefined>): Settled<T> {
  return async (err) => {
    if (!isWrongSequence(err)) return undefined;
    const now = await read();
    return now && sameBytes(now.bytes, value) ? { value: now.result } : undefined;
  };
}

/** Runs `run` until it succeeds, fails for good, or the budget is spent (MetadataUnreachableError). */
async function withRetries<T>(
  bucket: string,
  operation: Operation,
  budgetMs: number,
  run: () => Promise<T>,
  settled?: Settled<T>,
): Promise<T> {
  const started = Date.now();
  let timedOut = false;
  for (let pauseMs = FIRST_PAUSE_MS; ; pauseMs = Math.min(2 * pauseMs, MAX_PAUSE_MS)) {
    try {
      return await run();
    } catch (err) {
      const earlier = timedOut && settled ? await settled(err) : undefined;
      if (earlier) return earlier.value;
      if (!isNoResponders(err) && !isTimeout(err)) throw err;
      timedOut ||= isTimeout(err);
      const waitedMs = Date.now() - started;
      if (waitedMs + pauseMs > budgetMs)
        throw new MetadataUnreachableError(bucket, operation, waitedMs, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}

function bytesOf(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? new TextEncoder().encode(value) : value;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// The retrying bucket (src/metadata/kv-retry.ts) against a scripted KV that fails as nats.js does while a stream has
// no leader: a pure unit test of which failures are asked again and how a conflict after a timeout is read. The real
// thing (a stream leader killed under a backend's writes) is test/integration/metadata-outage.test.ts.
import { jserrors } from '@nats-io/jetstream/internal';
import type { KV, KvEntry } from '@nats-io/kv';
import { NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { MetadataUnreachableError } from '../../src/index.js';
import { retryingKv } from '../../src/internal.js';

/** What @nats-io/jetstream throws for a publish nobody answered (no stream leader). */
const noResponders = () =>
  new jserrors.JetStreamNotEnabled('jetstream is not enabled', {
    cause: new RequestError('no responders', { cause: new NoRespondersError('$KV.b.k') }),
  });
const timeout = () => new TimeoutError();
const wrongSequence = () => Object.assign(new Error('wrong last sequence: 7'), { name: 'JetStreamApiError' });

/** A KV of one key whose operations fail as scripted first (a failure, or a write that lands and then times out). */
function scripted(script: (Error | 'lands-then-times-out')[]) {
  let stored: { value: Uint8Array; revision: number } | undefined;
  let revision = 0;
  const write = (value: Uint8Array) => {
    stored = { value, revision: ++revision };
    return stored.revision;
  };
  const calls: string[] = [];
  const step = <T>(name: string, write: () => T): Promise<T> => {
    calls.push(name);
    const next = script.shift();
    if (next === 'lands-then-times-out') {
      write();
      return Promise.reject(timeout());
    }
    return next ? Promise.reject(next) : Promise.resolve(write());
  };
  const kv = {
    get: (_key: string) =>
      step('get', () =>
        stored ? ({ value: stored.value, revision: stored.revision, operation: 'PUT' } as KvEntry) : null,
      ),
    put: (_key: string, value: Uint8Array) => step('put', () => write(value)),
    create: (_key: string, value: Uint8Array) =>
      step('create', () => {
        if (stored) throw wrongSequence();
        return write(value);
      }),
    status: () => Promise.resolve({ values: 0 }),
  } as unknown as KV;
  return { kv, calls, store: write };
}

const bytes = (...b: number[]) => new Uint8Array(b);

describe('a bucket that rides out a stream leader election', () => {
  it('asks again after "no responders" and after a timeout of a read or a put, until it is answered', async () => {
    const { kv, calls } = scripted([noResponders(), timeout(), noResponders()]);
    const bucket = retryingKv(kv, 'dc_t_objects');
    expect(await bucket.put('k', bytes(1))).toBe(1);
    expect(calls).toEqual(['put', 'put', 'put', 'put']);
    expect((await bucket.get('k'))?.value).toEqual(bytes(1));
  });

  it('a create whose first attempt landed but timed out is its own success, not a conflict', async () => {
    const { kv, calls } = scripted(['lands-then-times-out']);
    const bucket = retryingKv(kv, 'dc_t_objects');
    expect(await bucket.create('k', bytes(1, 2))).toBe(1);
    expect(calls).toEqual(['create', 'create', 'get']); // the conflict, then the key read: it holds our bytes
  });

  it('a create that meets another writer after a timeout is still refused (the key holds something else)', async () => {
    const { kv, store } = scripted([timeout()]);
    store(bytes(9)); // another backend's record
    const err = await retryingKv(kv, 'dc_t_objects')
      .create('k', bytes(1))
      .catch((e) => e);
    expect(err.message).toMatch(/wrong last sequence/);
  });

  it('a conflict without a timeout before it is the answer: never read as our own success', async () => {
    const { kv, store, calls } = scripted([]);
    store(bytes(1)); // the same bytes, written by someone else's attempt
    const err = await retryingKv(kv, 'dc_t_objects')
      .create('k', bytes(1))
      .catch((e) => e);
    expect(err.message).toMatch(/wrong last sequence/);
    expect(calls).toEqual(['create']);
  });

  it('any other failure is thrown at once', async () => {
    const denied = new Error('Permissions Violation');
    const { kv, calls } = scripted([denied]);
    await expect(retryingKv(kv, 'dc_t_objects').put('k', bytes(1))).rejects.toBe(denied);
    expect(calls).toEqual(['put']);
  });

  it('past its budget it fails with MetadataUnreachableError naming the bucket and the operation', async () => {
    const { kv } = scripted(Array.from({ length: 1000 }, noResponders));
    const err = await retryingKv(kv, 'dc_t_objects', 300)
      .get('k')
      .catch((e) => e);
    expect(err).toBeInstanceOf(MetadataUnreachableError);
    expect(err.data).toMatchObject({ bucket: 'dc_t_objects', operation: 'get' });
    expect(err.cause.name).toBe('JetStreamNotEnabled');
  });
});

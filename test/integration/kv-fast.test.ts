// The metadata's hot KV path (metadata/kv-fast.ts) against a real nats-server: what it writes and reads is what
// nats.js's KV sees, and its refusals are nats.js's own ("key exists" as JetStreamApiError 10071).
import { JetStreamApiError } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { FastKv } from '../../src/metadata/kv-fast.js';
import { NatsServer, RequestMux } from '../../src/internal.js';
import { tempDir } from '../setup/helpers.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));
const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function bucket(direct: boolean) {
  const server = await NatsServer.start({ dir: tempDir('kv-fast-') });
  stops.push(() => server.stop());
  const nc = await connect({ servers: server.url });
  stops.push(() => nc.close());
  // without direct gets, as a replicated bucket is bound (buckets.ts): reads go to the stream's leader
  const kv = await new Kvm(nc).create('fast', { history: 1, allow_direct: direct });
  const mux = new RequestMux(nc, '_INBOX');
  stops.push(async () => mux.close());
  return { kv, fast: new FastKv(kv, mux) };
}

describe.each([
  ['direct gets', true],
  ["the stream leader's gets", false],
])('the objects bucket through the multiplexer, read by %s', (_how, direct) => {
  it('creates, refuses a second create with nats.js JetStreamApiError 10071, and reads what nats.js reads', async () => {
    const { kv, fast } = await bucket(direct);
    const revision = await fast.create('k1', bytes('one'));
    expect(revision).toBeGreaterThan(0);
    const err = await fast.create('k1', bytes('again')).catch((e) => e);
    expect(err).toBeInstanceOf(JetStreamApiError);
    expect((err as JetStreamApiError).code).toBe(10071);
    expect(text((await kv.get('k1'))?.value)).toBe('one');
    expect(text(await fast.get('k1'))).toBe('one');
    await fast.put('k1', bytes('two'));
    expect(text((await kv.get('k1'))?.value)).toBe('two');
    expect(text(await fast.get('k1'))).toBe('two');
  });

  it('reads a key never written or deleted as undefined, and creates over a deleted one', async () => {
    const { kv, fast } = await bucket(direct);
    expect(await fast.get('never')).toBeUndefined();
    await fast.create('gone', bytes('x'));
    await kv.delete('gone');
    expect(await fast.get('gone')).toBeUndefined();
    await fast.create('purged', bytes('x'));
    await kv.purge('purged');
    expect(await fast.get('purged')).toBeUndefined();
    await fast.put('empty', new Uint8Array(0));
    expect((await fast.get('empty'))?.length).toBe(0);
    await fast.create('gone', bytes('back'));
    expect(text(await fast.get('gone'))).toBe('back');
  });

  it('writes with an expected revision only when the key is still at it', async () => {
    const { fast } = await bucket(direct);
    const first = await fast.put('r', bytes('a'));
    const second = await fast.put('r', bytes('b'), first);
    expect(second).toBeGreaterThan(first);
    const stale = await fast.put('r', bytes('c'), first).catch((e) => e);
    expect(stale).toBeInstanceOf(JetStreamApiError);
    expect(text(await fast.get('r'))).toBe('b');
  });
});

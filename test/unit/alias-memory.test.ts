// Lookups by alias from memory: a watch that lags must never hide the caller's own writes (a fake KV whose watch
// delivers only when the test says so).
import type { KV, KvEntry } from '@nats-io/kv';
import { describe, expect, it } from 'vitest';
import { AliasStore } from '../../src/metadata/aliases.js';
import { decode, encode } from '../../src/internal.js';

interface Rec {
  value: Uint8Array;
  revision: number;
  operation: 'PUT' | 'DEL';
}

/** A KV of one bucket in memory; its watch holds entries back until `deliver()`. */
function fakeKv() {
  const recs = new Map<string, Rec>();
  let seq = 0;
  const held: KvEntry[] = [];
  let wake: (() => void) | undefined;
  const entry = (key: string, r: Rec): KvEntry =>
    ({ key, value: r.value, revision: r.revision, operation: r.operation, delta: 0, created: new Date() }) as KvEntry;
  const write = (key: string, value: Uint8Array, operation: 'PUT' | 'DEL', expected?: number) => {
    const cur = recs.get(key);
    if (expected !== undefined && (cur?.revision ?? 0) !== expected) throw new Error('wrong last sequence');
    const r = { value, revision: ++seq, operation };
    recs.set(key, r);
    if (key.startsWith('a.')) held.push(entry(key, r));
    return r.revision;
  };
  const kv = {
    get: async (key: string) => {
      const r = recs.get(key);
      return r ? entry(key, r) : null;
    },
    create: async (key: string, value: Uint8Array) => {
      const cur = recs.get(key);
      if (cur?.operation === 'PUT') throw new Error('wrong last sequence');
      return write(key, value, 'PUT', cur?.revision ?? 0);
    },
    update: async (key: string, value: Uint8Array, revision: number) => write(key, value, 'PUT', revision),
    delete: async (key: string, opts?: { previousSeq?: number }) => {
      write(key, new Uint8Array(), 'DEL', opts?.previousSeq);
    },
    status: async () => ({ values: 0 }),
    // the last entry of every alias key (what the bucket's history of `a.>` ends with)
    history: async () => [...recs].filter(([key]) => key.startsWith('a.')).map(([key, r]) => entry(key, r)),
    watch: async () => ({
      stop: () => undefined,
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (held.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          yield held.shift()!;
        }
      },
    }),
  };
  return {
    kv: kv as unknown as KV,
    /** The watch delivers what it holds back. */
    deliver: async () => {
      wake?.();
      while (held.length > 0) await new Promise((resolve) => setImmediate(resolve));
    },
    /** Writes behind the store's back (another backend). */
    write: (key: string, value: unknown) => write(key, encode(value), 'PUT'),
    read: (key: string) => recs.get(key) && decode(recs.get(key)!.value),
  };
}

/** What an alias of object `id` holds. */
const target = (id: string) => ({ id, className: 'm.Person', dataset: 'ds', master: 'backend-1' });

describe('aliases from memory', () => {
  it('serves a hit from memory, a miss from the KV', async () => {
    const f = fakeKv();
    const store = new AliasStore(f.kv);
    await store.create('ds', 'x', target('o-1'));
    await f.deliver();
    f.write('a.ds.x', 'o-2'); // changed elsewhere, not delivered yet: memory still says o-1
    expect(await store.get('ds', 'x')).toEqual(target('o-1'));
    f.write('a.ds.y', 'o-3'); // created elsewhere a moment ago: not in memory, found in the KV
    expect(await store.get('ds', 'y')).toBe('o-3');
    store.stop();
  });

  it("a watch behind the caller's last write is not trusted: the KV answers", async () => {
    const f = fakeKv();
    const store = new AliasStore(f.kv);
    await store.create('ds', 'x', target('o-1'));
    await f.deliver();
    const gone = await store.delete('ds', 'x');
    expect(await store.get('ds', 'x')).toEqual(target('o-1')); // without the revision: memory, behind the delete
    expect(await store.get('ds', 'x', gone)).toBeUndefined(); // with it: the KV
    const again = await store.create('ds', 'x', target('o-2'));
    expect(await store.get('ds', 'x', again)).toEqual(target('o-2'));
    await f.deliver();
    expect(await store.get('ds', 'x', again)).toEqual(target('o-2')); // caught up: from memory
    store.stop();
  });

  it('keeps one list per object: getAliases reads it and checks each alias', async () => {
    const f = fakeKv();
    const store = new AliasStore(f.kv);
    await store.create('ds', 'x', target('o-1'));
    await store.create('ds', 'y', target('o-1'));
    await store.create('other', 'z', target('o-1'));
    expect(f.read('o.o-1')).toEqual([
      ['ds', 'x'],
      ['ds', 'y'],
      ['other', 'z'],
    ]);
    f.write('a.ds.y', 'o-9'); // re-pointed behind our back: the list's hint is checked
    expect(await store.list('o-1', 'ds')).toEqual(['x']);
    store.stop();
  });

  it('stores the target with the id, and reads keys written before that (the id alone) as they are', async () => {
    const f = fakeKv();
    const store = new AliasStore(f.kv);
    await store.create('ds', 'new', target('o-1'));
    expect(f.read('a.ds.new')).toEqual(['o-1', 'm.Person', 'ds', 'backend-1']);
    f.write('a.ds.old', 'o-1'); // an older key, and its object's list naming it
    f.write('o.o-1', [
      ['ds', 'new'],
      ['ds', 'old'],
    ]);
    expect(await store.get('ds', 'old')).toBe('o-1');
    expect(await store.list('o-1', 'ds')).toEqual(['new', 'old']);
    const targets: string[] = [];
    for await (const id of store.targets()) targets.push(id);
    expect(targets.sort()).toEqual(['o-1', 'o-1']);
    expect(await store.delete('ds', 'old', 'o-1')).toBeGreaterThan(0);
    expect(await store.get('ds', 'old')).toBeUndefined();
    store.stop();
  });
});

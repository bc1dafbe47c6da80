import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectMetadata } from '../../src/index.js';
import { encode, ObjectStore, reconcile } from '../../src/internal.js';

// The metadata side is a map (a pure unit test of the decision); the store is a real LMDB store in a temp dir.
function metadataStore(entries: ObjectMetadata[], aliases: Map<string, string>) {
  const objects = new Map(entries.map((e) => [e.id, e]));
  return {
    objects,
    aliases,
    getObject: async (id: string) => objects.get(id),
    deleteObject: async (id: string) => void objects.delete(id),
    deleteAlias: async (dataset: string, alias: string, id?: string) => {
      const key = `${dataset}/${alias}`;
      if (id === undefined || aliases.get(key) === id) aliases.delete(key);
      return 0;
    },
  };
}

const md = (id: string, master: string): ObjectMetadata => ({
  id,
  className: 'C',
  dataset: 'ds',
  master,
  replicas: [],
});
const record = encode(['C', 'ds', encode({}), []]);
const log = { warn: () => undefined };

describe('reconcile at start', () => {
  let dir: string;
  let objects: ObjectStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'reconcile-'));
    objects = ObjectStore.open(dir);
  });
  afterEach(async () => {
    await objects.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function intent(ids: string[], alias?: string) {
    await Promise.all([
      objects.putIntent(`i-${ids[0]}`, { ids, dataset: 'ds', alias }),
      ...ids.map((id) => objects.put(id, record)),
    ]);
  }

  it('a retired intent goes with the next write, or alone after a second without one', async () => {
    await intent(['a']);
    await intent(['b']);
    objects.retireIntent('i-a');
    expect([...objects.intents()].map(([key]) => key)).toEqual(['i-a', 'i-b']); // no transaction of its own
    await objects.put('c', record);
    expect([...objects.intents()].map(([key]) => key)).toEqual(['i-b']);
    objects.retireIntent('i-b');
    while ([...objects.intents()].length > 0) await new Promise((r) => setTimeout(r, 50));
  });

  it('keeps a registration whose every object has metadata naming this backend', async () => {
    await intent(['a', 'b'], 'x');
    const store = metadataStore([md('a', 'me'), md('b', 'me')], new Map([['ds/x', 'a']]));
    expect(await reconcile({ backendId: 'me', objects, store, log })).toEqual({ completed: 1, undone: 0 });
    expect([objects.has('a'), objects.has('b')]).toEqual([true, true]);
    expect(store.aliases.get('ds/x')).toBe('a');
    expect([...objects.intents()]).toEqual([]);
  });

  it('undoes one cut short: its alias, its metadata and its records go, so nothing is left half-made', async () => {
    await intent(['a', 'b'], 'x');
    const store = metadataStore([md('a', 'me')], new Map([['ds/x', 'a']]));
    expect(await reconcile({ backendId: 'me', objects, store, log })).toEqual({ completed: 0, undone: 1 });
    expect([objects.has('a'), objects.has('b')]).toEqual([false, false]);
    expect(store.objects.has('a')).toBe(false);
    expect(store.aliases.has('ds/x')).toBe(false);
  });

  it('never removes what names another backend or another object', async () => {
    await intent(['a', 'b'], 'x');
    const store = metadataStore([md('a', 'elsewhere')], new Map([['ds/x', 'someone-else']]));
    await reconcile({ backendId: 'me', objects, store, log });
    expect(store.objects.get('a')?.master).toBe('elsewhere');
    expect(store.aliases.get('ds/x')).toBe('someone-else');
    // an alias naming the root that another backend holds is that backend's (a first attempt completed there)
    await intent(['a'], 'y');
    store.aliases.set('ds/y', 'a');
    await reconcile({ backendId: 'me', objects, store, log });
    expect(store.aliases.get('ds/y')).toBe('a');
    expect([objects.has('a'), objects.has('b')]).toEqual([false, false]); // a stale copy is never served
  });
});

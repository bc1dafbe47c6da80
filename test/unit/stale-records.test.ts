// A restarted backend's records against the metadata (docs/failover.md): what another backend promoted, and maybe
// deleted since, goes; and a move taken back halfway writes the metadata by compare-and-set (moves.ts reclaim). The
// metadata side is a map (a pure unit test of the decision); the store is a real LMDB store in a temp dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectMetadata } from '../../src/index.js';
import { dropStaleRecords, encode, Moves, ObjectStore } from '../../src/internal.js';

const md = (id: string, master: string, epoch?: number): ObjectMetadata => ({
  id,
  className: 'C',
  dataset: 'ds',
  master,
  replicas: ['other'],
  ...(epoch === undefined ? {} : { epoch }),
});
/** A record with backups (replicas) at `epoch`, or without any. */
const record = (epoch: number, replicas = ['other']) => encode(['C', 'ds', encode({}), replicas, undefined, epoch]);

let dir: string;
let objects: ObjectStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'stale-records-'));
  objects = ObjectStore.open(dir);
});
afterEach(async () => {
  await objects.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('stale records at start', () => {
  it('drops a replicated record whose object is gone, or mastered elsewhere at a higher epoch; keeps the rest', async () => {
    await Promise.all([
      objects.put('deleted', record(0)), // promoted elsewhere, then deleted there
      objects.put('promoted', record(0)), // promoted elsewhere (epoch 1)
      objects.put('mine', record(2)),
      objects.put('moved-equal', record(1)), // names another master at this epoch: the lease decides, not this
      objects.put('alone', record(0, [])), // no backups: nobody else can have changed it, not read
    ]);
    const mds = new Map([
      ['promoted', md('promoted', 'b2', 1)],
      ['mine', md('mine', 'me', 2)],
      ['moved-equal', md('moved-equal', 'b2', 1)],
    ]);
    const read: string[] = [];
    const store = {
      getObject: async (id: string) => {
        read.push(id);
        return mds.get(id);
      },
    };
    const logged: string[] = [];
    const log = { info: (...args: unknown[]) => void logged.push(String(args[1])) } as Parameters<
      typeof dropStaleRecords
    >[0]['log'];
    expect(await dropStaleRecords({ backendId: 'me', objects, store, log })).toBe(2);
    expect([...objects.ids()].sort()).toEqual(['alone', 'mine', 'moved-equal']);
    expect(read).not.toContain('alone');
    expect(logged.sort()).toEqual([
      'dropped a record: its object is gone',
      'dropped a stale record: another backend masters this object now',
    ]);
  });
});

describe('a move taken back halfway (Moves.reclaim)', () => {
  it('writes the metadata at the revision it read, and reads it again after a write in between', async () => {
    await objects.put('x', record(1));
    // the metadata as the target left it, then changed (a promotion's epoch) between the reclaim's read and write
    let current = { md: md('x', 'target', 1), revision: 1 };
    let interfere = true;
    const writes: ObjectMetadata[] = [];
    const store = {
      getObjectEntry: async () => ({ ...current, stamp: 0 }),
      updateObject: async (next: ObjectMetadata, revision: number) => {
        if (interfere) {
          interfere = false;
          current = { md: { ...current.md, epoch: 3 }, revision: 2 };
        }
        if (revision !== current.revision) return undefined;
        writes.push(next);
        current = { md: next, revision: revision + 1 };
        return current.revision;
      },
      getObject: async () => current.md,
      putObject: async () => {
        throw new Error('an unconditional write would overwrite what changed in between');
      },
    };
    const epochs = new Map<string, number>();
    const moves = new Moves({
      backendId: 'me',
      objects,
      store,
      identity: { get: () => undefined },
      epochs: { set: (id: string, e: number | undefined) => void epochs.set(id, e ?? 0) },
      onBackgroundError: (err: unknown) => {
        throw err;
      },
    } as unknown as ConstructorParameters<typeof Moves>[0]);
    await moves.reclaim(['x']);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ master: 'me', epoch: 4 });
    expect(epochs.get('x')).toBe(4);
    expect(objects.get('x')?.[5]).toBe(4);
  });
});

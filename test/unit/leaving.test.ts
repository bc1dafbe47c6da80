// Records that moved away: the note a source writes while they travel, and what a restart does with it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectMetadata } from '../../src/index.js';
import { encode, Leaving, ObjectStore, settleLeaving } from '../../src/internal.js';

// The metadata side is a map (a pure unit test of the decision); the store is a real LMDB store in a temp dir.
const md = (id: string, master: string, forward?: string): ObjectMetadata => ({
  id,
  className: 'C',
  dataset: 'ds',
  master,
  replicas: [],
  ...(forward !== undefined && { forward }),
});
const record = encode(['C', 'ds', encode({}), []]);
const log = { info: () => undefined };

describe('records leaving a backend', () => {
  let dir: string;
  let objects: ObjectStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'leaving-'));
    objects = ObjectStore.open(dir);
  });
  afterEach(async () => {
    await objects.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a restart drops the noted records the metadata gives to another backend, forwards, or no longer has', async () => {
    const ids = ['moved', 'stayed', 'forwarded', 'deleted', 'back-again'];
    await Promise.all(ids.map((id) => objects.put(id, record)));
    await objects.putLeaving('n1', ids.slice(0, 4));
    await objects.putLeaving('n2', ['back-again']);
    const metadata = new Map([
      ['moved', md('moved', 'backend-2')],
      ['stayed', md('stayed', 'backend-1')], // its move failed: still ours
      ['forwarded', md('forwarded', 'backend-1', 'original')], // a consolidated version, original here
      ['back-again', md('back-again', 'backend-1')],
    ]);
    const store = { getObject: async (id: string) => metadata.get(id) };
    const dropped = await settleLeaving({ backendId: 'backend-1', objects, store, log });
    expect(dropped).toBe(3);
    expect(ids.filter((id) => objects.has(id))).toEqual(['stayed', 'back-again']);
    expect([...objects.leaving()]).toEqual([]);
  });

  it('once the note is on disk the records read as gone; they go with the next write, the note after them', async () => {
    await Promise.all(['a', 'b', 'c'].map((id) => objects.put(id, record)));
    const errors: unknown[] = [];
    const leaving = new Leaving(objects, (err) => errors.push(err));
    const note = leaving.note(['a', 'b']);
    const released = leaving.removeNoted(note, ['a', 'b']);
    // from the call on, readers see the records gone, whether or not their removal has reached the disk
    expect(objects.has('a')).toBe(false);
    expect(objects.count).toBe(1);
    expect([...objects.ids()]).toEqual(['c']);
    await released;
    // no transaction (and sync) of their own for the removals: the note is still there, and so are the records
    expect([...objects.leaving()]).toHaveLength(1);
    await objects.put('d', record); // the records' removal rides on the next write's transaction
    expect([...objects.leaving()]).toHaveLength(1); // the note only once that removal has committed
    // then it goes, with a later write or on its own a second later
    while ([...objects.leaving()].length > 0) await objects.put('e', record);
    expect(objects.count).toBe(3);
    expect([...objects.ids()].sort()).toEqual(['c', 'd', 'e']);
    expect(errors).toEqual([]);
  });

  it('a record that left and comes back before its removal was written stays (the removal goes first)', async () => {
    await objects.put('a', record);
    const leaving = new Leaving(objects, () => undefined);
    const note = leaving.note(['a']);
    await leaving.removeNoted(note, ['a']);
    await objects.put('a', record); // moved back here: its removal and this put share a transaction, in that order
    expect(objects.has('a')).toBe(true);
    await objects.close();
    objects = ObjectStore.open(dir); // what the disk says
    expect(objects.has('a')).toBe(true);
    expect(objects.count).toBe(1);
  });

  it('a dropped note (the move did not happen) leaves the records as they were', async () => {
    await objects.put('a', record);
    const leaving = new Leaving(objects, () => undefined);
    const note = leaving.note(['a']);
    leaving.drop(note);
    await note.written;
    // the drop removes the note in a later write: wait for the store to show it
    while ([...objects.leaving()].length > 0) await new Promise((r) => setImmediate(r));
    expect(objects.has('a')).toBe(true);
  });
});

// Records that moved away: the note a source writes while they travel, and what a restart does with it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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

/** What the store's files hold, read by another process (LMDB serves readers of other processes as they are). */
function onDisk(dir: string): { objects: string[]; leaving: number } {
  const script = `import { open } from 'lmdb';
    const root = open({ path: process.argv[1], readOnly: true, compression: false });
    const keys = (name) => [...root.openDB({ name, encoding: 'binary' }).getKeys()];
    console.log(JSON.stringify({ objects: keys('objects').sort(), leaving: keys('leaving').length }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, dir], { encoding: 'utf8' });
  return JSON.parse(out);
}
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
    const reclaimed: string[][] = [];
    const reclaim = async (back: string[]) => void reclaimed.push(back);
    const dropped = await settleLeaving({ backendId: 'backend-1', objects, store, reclaim, log });
    expect(dropped).toBe(3);
    expect(ids.filter((id) => objects.has(id))).toEqual(['stayed', 'back-again']);
    expect([...objects.leaving()]).toEqual([]);
    expect(reclaimed).toEqual([]);
  });

  it('a restart takes back what a failed move gave back, though the metadata names the target, and drops nothing', async () => {
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => objects.put(id, record)));
    const leaving = new Leaving(objects, () => undefined);
    const failed = leaving.note(['a', 'b']);
    await leaving.givenBack(failed, ['a', 'b']); // the target answered the retire; a crash came before the take-back
    await objects.putLeaving('moved', ['c']); // another move, which succeeded: its record goes as before
    // the target named itself in the metadata before it gave them back; d's mark names another note's record
    const metadata = new Map(['a', 'b', 'c'].map((id) => [id, md(id, 'backend-2')]));
    const store = { getObject: async (id: string) => metadata.get(id) };
    const reclaimed: string[][] = [];
    const reclaim = async (back: string[]) => void reclaimed.push([...back].sort());
    const dropped = await settleLeaving({ backendId: 'backend-1', objects, store, reclaim, log });
    expect(reclaimed).toEqual([['a', 'b']]);
    expect(dropped).toBe(1);
    expect(['a', 'b', 'c', 'd'].filter((id) => objects.has(id))).toEqual(['a', 'b', 'd']);
    expect([...objects.leaving()]).toEqual([]);
    expect([...objects.givenBack()]).toEqual([]); // the mark went with its note
  });

  it('a note dropped after a take-back removes its given-back mark with it', async () => {
    await objects.put('a', record);
    const leaving = new Leaving(objects, () => undefined);
    const note = leaving.note(['a']);
    await leaving.givenBack(note, ['a']);
    expect([...objects.givenBack()]).toEqual([[note.key, ['a']]]);
    expect([...objects.leaving()]).toEqual([[note.key, ['a']]]); // the mark is not a note of its own
    leaving.drop(note);
    await vi.waitFor(() => expect(onDisk(dir).leaving).toBe(0), { timeout: 10_000 });
    expect([...objects.givenBack()]).toEqual([]);
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
    // no transaction (and sync) of their own for the removals: on disk the records and the note are still there
    expect(onDisk(dir)).toEqual({ objects: ['a', 'b', 'c'], leaving: 1 });
    await objects.put('d', record); // the records' removal rides on the next write's transaction
    expect(onDisk(dir)).toEqual({ objects: ['c', 'd'], leaving: 1 }); // the note only once that has committed
    await new Promise((r) => setImmediate(r)); // what follows that commit has run: the note's removal is queued
    await objects.put('e', record);
    expect(onDisk(dir)).toEqual({ objects: ['c', 'd', 'e'], leaving: 0 });
    expect(objects.count).toBe(3);
    expect(errors).toEqual([]);
  });

  it('a removal that fails keeps the record hidden and is tried again with the next write', async () => {
    await Promise.all(['a', 'b'].map((id) => objects.put(id, record)));
    const db = (objects as unknown as { objects: { remove: (key: string) => Promise<boolean> } }).objects;
    const remove = db.remove.bind(db);
    let failures = 1;
    db.remove = (key) => (failures-- > 0 ? Promise.reject(new Error('no space left on device')) : remove(key));
    const leaving = new Leaving(objects, () => undefined);
    await leaving.removeNoted(leaving.note(['a']), ['a']);
    await objects.put('c', record); // its transaction carries the removal, which fails
    await new Promise((r) => setImmediate(r));
    expect(failures).toBe(0);
    expect(objects.has('a')).toBe(false); // another backend owns it now: shown again, it would be served from here
    expect(onDisk(dir).objects).toContain('a');
    await objects.put('d', record); // tried again with this one
    expect(onDisk(dir).objects).toEqual(['b', 'c', 'd']);
    expect(objects.has('a')).toBe(false);
  });

  it('closing the store right after a handover removes the records and their note first', async () => {
    await Promise.all(['a', 'b'].map((id) => objects.put(id, record)));
    const errors: unknown[] = [];
    const leaving = new Leaving(objects, (err) => errors.push(err));
    await leaving.removeNoted(leaving.note(['a']), ['a']);
    await objects.close();
    expect(onDisk(dir)).toEqual({ objects: ['b'], leaving: 0 });
    await new Promise((r) => setTimeout(r, 1_200)); // past the timer a removal would have armed on the closed store
    expect(errors).toEqual([]);
    objects = ObjectStore.open(dir);
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

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectMetadata } from '../../src/index.js';
import { CreateMark, encode, ObjectStore, recoverCreates } from '../../src/internal.js';

// The mark's bookkeeping against a recorder of the marks it stores (a pure unit test), and the restart's decision
// against a map of metadata entries with a real LMDB store in a temp dir.
function recorder() {
  const marks: (number | 'clean')[] = [];
  const putCreateMark = async (mark: number | 'clean') => {
    marks.push(mark);
    return true;
  };
  return { marks, putCreateMark };
}

const waitTurn = () => new Promise((resolve) => setTimeout(resolve, 260)); // past the mark's interval

describe('the create mark', () => {
  it('stores a sequence only once every create begun before it was taken has settled', async () => {
    const store = recorder();
    const mark = new CreateMark(store, () => undefined);
    const slow = mark.begin(['a']); // begun before the mark: its records may still be on their way to disk
    const quick = mark.begin(['b']);
    mark.acknowledged(10);
    mark.acknowledged(12);
    quick(true); // takes a mark at 12, which must wait for `a`
    expect(store.marks).toEqual([]);
    const later = mark.begin(['c']); // begun after: not waited for
    mark.acknowledged(15);
    slow(true);
    expect(store.marks).toEqual([12]);
    await waitTurn();
    later(true);
    expect(store.marks).toEqual([12, 15]);
    expect(mark.idle).toBe(true);
  });

  it('stays where it is after a create whose undo did not finish', async () => {
    const store = recorder();
    const mark = new CreateMark(store, () => undefined);
    const cut = mark.begin(['a']);
    const other = mark.begin(['b']);
    mark.acknowledged(7);
    other(true);
    cut(false);
    await waitTurn();
    mark.begin(['c'])(true);
    expect(store.marks).toEqual([]);
    expect(mark.idle).toBe(false);
  });

  it('holds requests for an object until its create ended, settled or not', async () => {
    const mark = new CreateMark(recorder(), () => undefined);
    const end = mark.begin(['a', 'b']);
    const waiting = mark.settling('a');
    expect(waiting).toBeInstanceOf(Promise);
    expect(mark.settling('c')).toBeUndefined();
    let released = false;
    void waiting!.then(() => (released = true));
    await Promise.resolve();
    expect(released).toBe(false);
    end(false);
    await waiting;
    expect(released).toBe(true);
    expect(mark.settling('b')).toBeUndefined();
  });
});

const md = (id: string, master: string, extra: Partial<ObjectMetadata> = {}): ObjectMetadata => ({
  id,
  className: 'C',
  dataset: 'ds',
  master,
  replicas: [],
  ...extra,
});
const record = encode(['C', 'ds', encode({}), []]);
const log = { warn: () => undefined };

/** The objects bucket as a stream: one entry per key, at the sequence of its last write. */
function bucket(entries: [ObjectMetadata, number][]) {
  const objects = new Map(entries.map(([m, revision]) => [m.id, { md: m, revision }]));
  return {
    objects,
    async *objectsAfter(after: number) {
      const tail = [...objects.values()].filter((e) => e.revision > after).sort((a, b) => a.revision - b.revision);
      for (const e of tail) yield e;
    },
    objectsRevision: async () => Math.max(0, ...[...objects.values()].map((e) => e.revision)),
    deleteObjectAt: async (id: string, revision: number) => {
      if (objects.get(id)?.revision !== revision) return false;
      objects.delete(id);
      return true;
    },
  };
}

describe('recovering creates at start', () => {
  let dir: string;
  let objects: ObjectStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'create-mark-'));
    objects = ObjectStore.open(dir);
  });
  afterEach(async () => {
    await objects.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('removes metadata after the mark that names this backend for an object it has no record of', async () => {
    await objects.put('kept', record);
    await objects.putCreateMark(5);
    const store = bucket([
      [md('old', 'me'), 4], // at or below the mark: settled before it was stored, never looked at
      [md('kept', 'me'), 6], // its records reached the disk
      [md('cut', 'me'), 7], // the crash came before its records' sync
      [md('theirs', 'other'), 8],
      [md('copy', 'me'), 9], // a promotion names this backend before the copy held here becomes the object
      [md('version', 'me', { forward: 'x' }), 10], // a forwarding id has no record of its own
      [md('received', 'me', { epoch: 1 }), 11], // a move in cut short: its source takes it back, finding this
    ]);
    const removed = await recoverCreates({
      backendId: 'me',
      objects,
      store,
      holdsCopy: (id) => id === 'copy',
      log,
    });
    expect(removed).toBe(1);
    expect([...store.objects.keys()].sort()).toEqual(['copy', 'kept', 'old', 'received', 'theirs', 'version']);
    expect(objects.createMark).toBe(11); // the end of the bucket: nothing of this process in flight yet
  });

  it('looks at nothing after a clean stop, or in a store that never had a mark', async () => {
    const store = bucket([[md('cut', 'me'), 3]]);
    await recoverCreates({ backendId: 'me', objects, store, holdsCopy: () => false, log });
    expect(store.objects.has('cut')).toBe(true);
    await objects.putCreateMark('clean');
    await recoverCreates({ backendId: 'me', objects, store, holdsCopy: () => false, log });
    expect(store.objects.has('cut')).toBe(true);
    expect(objects.createMark).toBe(3);
  });
});

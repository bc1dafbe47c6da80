// At start, after the intents (reconcile.ts): the creates whose metadata was written beside their records and that a
// crash cut before the records' sync (create-mark.ts). Each left metadata naming this backend, at epoch 0, for an
// object it has no record of; none was acknowledged, so the metadata goes. Only the objects bucket's entries after the mark can
// be such a create; then the mark moves to the bucket's end (nothing of this process is in flight yet).
import type { Logger } from 'pino';
import type { MetadataStore } from '../metadata/store.js';
import type { ObjectStore } from './object-store.js';

export interface RecoverCreatesDeps {
  backendId: string;
  objects: Pick<ObjectStore, 'has' | 'createMark' | 'putCreateMark'>;
  store: Pick<MetadataStore, 'objectsAfter' | 'objectsRevision' | 'deleteObjectAt'>;
  /** Whether this backend holds a backup copy of the object: a promotion names it master before taking it over. */
  holdsCopy: (id: string) => boolean;
  log: Pick<Logger, 'warn'>;
}

/** Removes the metadata of creates cut short; returns how many. */
export async function recoverCreates({
  backendId,
  objects,
  store,
  holdsCopy,
  log,
}: RecoverCreatesDeps): Promise<number> {
  const mark = objects.createMark;
  let removed = 0;
  // a store that never made such a create, or stopped cleanly with none in flight: nothing to look for
  if (typeof mark === 'number') {
    for await (const { md, revision } of store.objectsAfter(mark)) {
      if (md.master !== backendId || md.forward !== undefined || objects.has(md.id) || holdsCopy(md.id)) continue;
      // epoch 0: it never changed master, so it was created here. A received or promoted object has a higher one,
      // and its metadata without a record here is a move cut short, which its source takes back: it must find it
      if ((md.epoch ?? 0) > 0) continue;
      // at its revision only: a write since (a promotion elsewhere, a delete) is someone else's and stays
      if (await store.deleteObjectAt(md.id, revision)) removed++;
    }
    if (removed > 0) log.warn({ removed, after: mark }, 'removed the metadata of creates a crash cut short');
  }
  await objects.putCreateMark(await store.objectsRevision());
  return removed;
}

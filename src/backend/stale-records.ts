// At start, before serving (docs/failover.md): a record of an object that had backups may be stale. While this
// backend was down one of them was promoted, and the object may have been deleted there since: its metadata is then
// gone, or names another master at a higher epoch. Such a record is dropped (and logged), or it would be served from
// here as if it were the object (the lease's re-check lets an object without metadata through: a create in flight
// looks the same), and it would stay on the disk for good. Objects without backups cannot have changed master or
// been deleted elsewhere: they are not read.
import type { Logger } from 'pino';
import type { MetadataStore } from '../metadata/store.js';
import { inBatches } from './in-batches.js';
import type { ObjectStore } from './object-store.js';

export interface StaleRecordsDeps {
  backendId: string;
  objects: Pick<ObjectStore, 'ids' | 'get' | 'remove'>;
  store: Pick<MetadataStore, 'getObject'>;
  log: Pick<Logger, 'info'>;
}

/** Drops the records of replicated objects that were deleted or promoted elsewhere; returns how many went. */
export async function dropStaleRecords({ backendId, objects, store, log }: StaleRecordsDeps): Promise<number> {
  const replicated = [...objects.ids()].filter((id) => (objects.get(id)?.[3]?.length ?? 0) > 0);
  let dropped = 0;
  await inBatches(replicated, async (id) => {
    const epoch = objects.get(id)?.[5] ?? 0;
    const md = await store.getObject(id);
    if (md && (md.forward !== undefined || md.master === backendId || (md.epoch ?? 0) <= epoch)) return;
    await objects.remove(id);
    dropped++;
    log.info(
      { id, owner: md?.master, epoch: md?.epoch ?? 0 },
      md ? 'dropped a stale record: another backend masters this object now' : 'dropped a record: its object is gone',
    );
  });
  return dropped;
}

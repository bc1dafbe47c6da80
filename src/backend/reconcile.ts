// At start, a backend settles the registrations a crash cut short (their intents, kept with their records): one whose
// every object has metadata naming this backend completed and stays; any other was never acknowledged and is undone,
// removing only what names this backend, so no alias or metadata is left without a record (a phantom).
import type { Logger } from 'pino';
import type { MetadataStore } from '../metadata/store.js';
import type { ObjectStore } from './object-store.js';

export interface ReconcileDeps {
  backendId: string;
  objects: Pick<ObjectStore, 'intents' | 'removeIntent' | 'remove' | 'has'>;
  store: Pick<MetadataStore, 'getObject' | 'deleteObject' | 'deleteAlias'>;
  log: Pick<Logger, 'warn'>;
}

export interface Reconciled {
  completed: number;
  undone: number;
}

export async function reconcile({ backendId, objects, store, log }: ReconcileDeps): Promise<Reconciled> {
  const result: Reconciled = { completed: 0, undone: 0 };
  for (const [key, { ids, dataset, alias }] of [...objects.intents()]) {
    const metadata = await Promise.all(ids.map((id) => store.getObject(id)));
    const ours = metadata.map((md) => md?.master === backendId && md.forward === undefined);
    if (ours.every(Boolean) && ids.every((id) => objects.has(id))) {
      result.completed++;
    } else {
      await Promise.all(
        ids.map(async (id, i) => {
          if (ours[i]) await store.deleteObject(id);
          // the record goes in every case: if metadata names another backend (a retry registered it there meanwhile)
          // this copy is not the object, and must never be served as it
          await objects.remove(id);
        }),
      );
      // the alias may be a completed first attempt's, elsewhere (this one found it made): only a root that is nowhere,
      // or was this backend's, loses it
      if (alias !== undefined && (metadata[0] === undefined || ours[0]))
        await store.deleteAlias(dataset, alias, ids[0]);
      result.undone++;
      log.warn({ ids: ids.length, root: ids[0], dataset, alias }, 'undid a registration cut short by a crash');
    }
    await objects.removeIntent(key);
  }
  return result;
}

// The unit of work that makes objects new to the cluster persistent on this backend: alias, records, metadata.
// A failure at any step undoes only what this attempt created, so a retry or a forged request naming an object that
// exists elsewhere can never delete that object's metadata, records or alias.
import { AlreadyExistsError, AlreadyPersistentError } from '../errors.js';
import type { MetadataStore } from '../metadata/store.js';
import type { ObjectMetadata } from '../metadata/types.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import type { ObjectStore } from './object-store.js';

/** What registration needs of the backend. */
export interface RegistrationDeps {
  readonly backendId: string;
  readonly store: MetadataStore;
  readonly objects: ObjectStore;
  /** Writes the objects' records; resolves once on disk. */
  save(objects: DataClayObject[]): Promise<void>;
  metadataOf(obj: DataClayObject): ObjectMetadata;
  /** Undoes the in-memory registration of an object. */
  unregister(obj: DataClayObject): void;
}

export type Lineage = Pick<ObjectMetadata, 'original' | 'versions'>;

/**
 * Creates an alias unless it already names `objectId` (the first attempt of a retried request made it). Returns
 * whether this call created it; an alias naming another object is AlreadyExistsError.
 */
export async function ensureAlias(
  store: MetadataStore,
  dataset: string,
  alias: string,
  objectId: string,
): Promise<boolean> {
  try {
    await store.createAlias(dataset, alias, objectId);
    return true;
  } catch (err) {
    if (err instanceof AlreadyExistsError && (await store.getAlias(dataset, alias)) === objectId) return false;
    throw err;
  }
}

/**
 * Records first (on disk), then metadata (put-if-absent per object): metadata never names this backend for an object
 * whose record is not here. `objects` are already registered in memory by the caller.
 */
export async function createObjects(
  deps: RegistrationDeps,
  objects: DataClayObject[],
  dataset: string,
  alias?: string,
  lineage?: Lineage,
): Promise<void> {
  if (objects.length === 0) return;
  const root = objects[0].id;
  let aliasCreated = false;
  const created: string[] = [];
  try {
    if (alias !== undefined) aliasCreated = await ensureAlias(deps.store, dataset, alias, root);
    await deps.save(objects);
    const results = await Promise.allSettled(
      objects.map(async (o) => {
        await deps.store.createObject({ ...deps.metadataOf(o), ...lineage });
        created.push(o.id);
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw await named(deps.store, failed.reason);
  } catch (err) {
    for (const o of objects) deps.unregister(o);
    await Promise.allSettled([
      ...objects.map((o) => deps.objects.remove(o.id)),
      ...created.map((id) => deps.store.deleteObject(id)),
      ...(aliasCreated && alias !== undefined ? [deps.store.deleteAlias(dataset, alias, root)] : []),
    ]);
    throw err;
  }
}

/** An "already persistent" refusal names the backend that holds the object. */
async function named(store: MetadataStore, err: unknown): Promise<unknown> {
  if (!(err instanceof AlreadyPersistentError) || err.data.backendId !== undefined) return err;
  const md = await store.getObject(err.data.objectId).catch(() => undefined);
  return new AlreadyPersistentError(err.data.objectId, md?.master, { cause: err });
}

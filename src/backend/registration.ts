// Registration: objects become persistent on this backend (from a client's batch, a version, or built by an active
// method), with their alias, store record and metadata; a registration that fails leaves nothing behind.
import { AlreadyPersistentError, DoesNotExistError } from '../errors.js';
import type { MetadataStore } from '../metadata/store.js';
import type { ObjectMetadata } from '../metadata/types.js';
import { sessionStorage, type Session } from '../object/context.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import type { IdentityMap } from '../object/identity.js';
import { disown, own } from '../object/lifecycle.js';
import { STATE, type OwnedObject } from '../object/state.js';
import type { Heap } from './heap.js';
import type { ObjectStore } from './object-store.js';

export interface RegistrarDeps {
  backendId: string;
  heap: Heap;
  identity: IdentityMap;
  objects: Pick<ObjectStore, 'has' | 'remove'>;
  store: Pick<MetadataStore, 'createAlias' | 'createObject' | 'deleteObject' | 'deleteAlias'>;
  /** Puts objects' records on disk (write-through.ts). */
  save: (objects: DataClayObject[]) => Promise<void>;
}

export class Registrar {
  readonly backendId: string;

  constructor(private readonly deps: RegistrarDeps) {
    this.backendId = deps.backendId;
  }

  /**
   * Makes local objects persistent on this backend: the root's alias first (put-if-absent decides duplicates),
   * then the store, the heap and the object metadata. On failure nothing stays registered, the alias included.
   */
  async register(
    objects: DataClayObject[],
    session: Session,
    alias?: string,
    lineage?: Pick<ObjectMetadata, 'original' | 'versions'>,
  ): Promise<void> {
    if (objects.length === 0) return;
    const { heap, store } = this.deps;
    const existing = objects.find((o) => heap.has(o.id) || this.deps.objects.has(o.id));
    if (existing) throw new AlreadyPersistentError(existing.id, this.backendId);
    if (alias !== undefined) await store.createAlias(session.dataset, alias, objects[0].id);
    for (const o of objects) this.own(o, session.dataset);
    try {
      await Promise.all([
        this.deps.save(objects),
        ...objects.map((o) => store.createObject({ ...this.metadataOf(o), ...lineage })),
      ]);
    } catch (err) {
      for (const o of objects) this.unregister(o);
      await Promise.allSettled([
        ...objects.map((o) => this.deps.objects.remove(o.id)),
        ...objects.map((o) => store.deleteObject(o.id)),
        ...(alias !== undefined ? [store.deleteAlias(session.dataset, alias)] : []),
      ]);
      throw err;
    }
  }

  /**
   * An object constructed while this backend serves a request (inside an active method) is persistent here at
   * once, in the caller's dataset; the reply waits until it is stored and its metadata written.
   */
  adopt(obj: DataClayObject): void {
    const ctx = sessionStorage.getStore();
    if (!ctx?.created) return;
    this.own(obj, ctx.dataset);
    ctx.created.push(obj);
  }

  /** The object is this backend's now, loaded, in `dataset` (a received one starts without replicas). */
  own(obj: DataClayObject, dataset: string): OwnedObject {
    const state = own(obj, this.backendId, dataset);
    this.deps.heap.add(obj);
    this.deps.identity.add(obj);
    return state;
  }

  /** Undoes `own` for a registration that failed. */
  unregister(obj: DataClayObject): void {
    this.deps.heap.delete(obj.id);
    this.deps.identity.delete(obj.id);
    disown(obj);
  }

  /** The metadata record of an object this backend owns (loaded, or evicted since), as its state says. */
  metadataOf(obj: DataClayObject): ObjectMetadata {
    const s = obj[STATE];
    if ((s.kind !== 'owned' && s.kind !== 'evicted') || s.dataset === undefined) throw new DoesNotExistError(s.id);
    return {
      id: s.id,
      className: s.info.name,
      dataset: s.dataset,
      master: this.backendId,
      replicas: [...(s.replicas ?? [])],
    };
  }
}

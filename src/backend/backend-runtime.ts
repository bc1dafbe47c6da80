// The backend's runtime: it owns objects (the heap), registers what it creates, and answers for what it owns.
import { DataClayError, DoesNotExistError, WrongBackendError, BackendNotFoundError } from '../errors.js';
import type { MetadataStore } from '../metadata/store.js';
import type { ObjectMetadata } from '../metadata/types.js';
import { DataClayObject } from '../object/dataclay-object.js';
import { STATE } from '../object/state.js';
import { Runtime, type RuntimeOptions } from '../runtime/runtime.js';
import { sessionStorage, type Session } from '../runtime/session.js';
import { collectUnregistered, type PersistBatch } from '../serialization/graph.js';
import { Heap } from './heap.js';

export interface BackendRuntimeOptions extends RuntimeOptions { backendId: string; store: MetadataStore }

export class BackendRuntime extends Runtime {
  readonly backendId: string;
  readonly heap = new Heap();
  readonly store: MetadataStore;

  constructor(options: BackendRuntimeOptions) {
    super(options);
    this.backendId = options.backendId;
    this.store = options.store;
  }

  override resolveRef(id: string, className: string, hint: string | null): DataClayObject {
    return this.heap.get(id) ?? super.resolveRef(id, className, hint);
  }

  protected async defaultBackend(): Promise<string> {
    return this.backendId;
  }

  protected async checkBackend(backendId: string): Promise<void> {
    if (backendId === this.backendId) return;
    const backends = await this.store.listBackends();
    if (!backends.some((b) => b.id === backendId)) throw new BackendNotFoundError(backendId, backends.map((b) => b.id));
  }

  /**
   * An object constructed while this backend serves a request (inside an active method) is persistent here at
   * once, in the caller's dataset; the reply waits for its metadata write.
   */
  adopt(obj: DataClayObject): void {
    const ctx = sessionStorage.getStore();
    if (!ctx?.writes) return;
    const state = obj[STATE];
    state.registered = true;
    state.backendId = this.backendId;
    state.dataset = ctx.dataset;
    this.heap.add(obj);
    this.identity.add(obj);
    const write = this.store.putObject(this.metadataOf(obj));
    write.catch(() => undefined); // awaited by the reply; this only keeps a late failure from being unhandled
    ctx.writes.push(write);
  }

  /** Waits for the metadata writes of the current request (objects it created). */
  async settleWrites(): Promise<void> {
    const writes = sessionStorage.getStore()?.writes;
    while (writes?.length) await Promise.all(writes.splice(0));
  }

  /** Objects created here and handed out (arguments, results, field values) become persistent here. */
  protected async persistPending(objects: DataClayObject[]): Promise<void> {
    await this.register(collectUnregistered(objects).objects, this.session());
  }

  protected override async persistBatch(batch: PersistBatch, target: string, alias?: string): Promise<void> {
    if (target === this.backendId) await this.register(batch.objects, this.session(), alias);
    else await super.persistBatch(batch, target, alias);
  }

  /**
   * Makes local objects persistent on this backend: the root's alias first (put-if-absent decides duplicates),
   * then the heap and the object metadata. On failure nothing stays registered, the alias included.
   */
  async register(objects: DataClayObject[], session: Session, alias?: string): Promise<void> {
    if (objects.length === 0) return;
    const existing = objects.find((o) => this.heap.has(o.id));
    if (existing) throw new DataClayError(`Object ${existing.id} is already persistent here`, { objectId: existing.id });
    if (alias !== undefined) await this.store.createAlias(session.dataset, alias, objects[0].id);
    for (const o of objects) {
      const state = o[STATE];
      state.registered = true;
      state.local = true;
      state.backendId = this.backendId;
      state.dataset = session.dataset;
      this.heap.add(o);
      this.identity.add(o);
    }
    try {
      await Promise.all(objects.map((o) => this.store.putObject(this.metadataOf(o))));
    } catch (err) {
      for (const o of objects) {
        this.heap.delete(o.id);
        this.identity.delete(o.id);
        o[STATE].registered = false;
        o[STATE].backendId = undefined;
      }
      if (alias !== undefined) await this.store.deleteAlias(session.dataset, alias).catch(() => undefined);
      throw err;
    }
  }

  metadataOf(obj: DataClayObject): ObjectMetadata {
    const state = obj[STATE];
    return { id: state.id, className: state.info.name, dataset: state.dataset!, master: this.backendId, replicas: [] };
  }

  /** The owned object with this id, or the error that tells the caller where it is (or that it is nowhere). */
  async owned(id: string): Promise<DataClayObject> {
    const obj = this.heap.get(id);
    if (obj) return obj;
    const md = await this.store.getObject(id);
    if (md && md.master !== this.backendId) throw new WrongBackendError(id, md.master);
    throw new DoesNotExistError(id);
  }
}

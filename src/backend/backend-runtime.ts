// The backend's runtime: it owns objects (heap in memory, records in its store), registers what it creates, takes
// and lets go of objects in moves, and answers for what it owns. Writing is write-through.ts's job; replicas,
// replicas.ts's.
import { AlreadyPersistentError, BackendNotFoundError, DoesNotExistError, WrongBackendError } from '../errors.js';
import type { MetadataStore } from '../metadata/store.js';
import type { ObjectMetadata } from '../metadata/types.js';
import type { TransferRecord } from '../protocol/backend-ops.js';
import { DataClayObject } from '../object/dataclay-object.js';
import { becomeRemote, dropFields } from '../object/locality.js';
import { restoreState } from '../object/object-state.js';
import { classInfoByName } from '../object/registry.js';
import { STATE } from '../object/state.js';
import { Runtime, type RuntimeOptions } from '../runtime/runtime.js';
import { sessionStorage, type Session } from '../object/context.js';
import { decode } from '../serialization/codec.js';
import type { PersistBatch } from '../serialization/graph.js';
import { Heap, type MemoryBudget } from './heap.js';
import type { ObjectStore, StoredRecord } from './object-store.js';
import { Replicas } from './replicas.js';
import { WriteThrough, digestOf } from './write-through.js';
import { createObjects, ensureAlias, type Lineage, type RegistrationDeps } from './registration.js';
import type { RollbackDeps } from './rollback.js';

export interface BackendRuntimeOptions extends RuntimeOptions {
  backendId: string;
  store: MetadataStore;
  objects: ObjectStore;
  budget?: MemoryBudget;
}

export class BackendRuntime extends Runtime {
  readonly backendId: string;
  readonly heap: Heap;
  readonly store: MetadataStore;
  readonly objects: ObjectStore;
  readonly replicas = new Replicas(this);
  /** What registration.ts needs of this backend. */
  readonly registration: RegistrationDeps;
  /** What rollback.ts needs of this backend. */
  readonly rollback: RollbackDeps;
  readonly writes = new WriteThrough(this);
  /** Objects being moved away: requests for them wait, then go to the new owner. Resolves to it (or undefined). */
  private readonly moving = new Map<string, Promise<string | undefined>>();
  /** Moves being received: a retire of those ids (the sender taking them back) waits for them. */
  readonly receiving = new Map<string, Promise<unknown>>();

  constructor(options: BackendRuntimeOptions) {
    super(options);
    this.backendId = options.backendId;
    this.store = options.store;
    this.objects = options.objects;
    this.heap = new Heap(options.budget);
    this.registration = {
      backendId: this.backendId,
      store: this.store,
      objects: this.objects,
      save: (objects) => this.writes.save(objects),
      metadataOf: (o) => this.metadataOf(o),
      unregister: (o) => this.unregister(o),
    };
    this.rollback = {
      objects: this.objects,
      heap: this.heap,
      load: (o) => this.load(o),
      unregister: (o) => this.unregister(o),
      encodable: (o) => this.writes.encodable(o),
    };
  }

  // ---- references and loading

  override resolveRef(id: string, className: string, hint: string | null): DataClayObject {
    const known = this.heap.get(id) ?? this.identity.get(id);
    if (known) return known;
    // ours, evicted or not loaded since a restart: its class is its record's, never the reference's (which anyone
    // can forge: a wrong one would re-type the stored object)
    const record = this.objects.get(id);
    if (record) return this.shell(id, record[0]);
    return super.resolveRef(id, className, hint);
  }

  /** A local object whose fields stay in the store until first used. */
  private shell(id: string, className: string): DataClayObject {
    const obj = DataClayObject.materialize(classInfoByName(className), id, true, this.backendId);
    obj[STATE].loaded = false;
    this.identity.add(obj);
    return obj;
  }

  /** Reads an evicted object's state back from the store into the same instance (references keep pointing at it). */
  load(obj: DataClayObject): void {
    const state = obj[STATE];
    if (state.loaded) return;
    const bytes = this.objects.recordBytes(state.id); // a copy: decoding may read the store again (references)
    if (!bytes) throw new DoesNotExistError(state.id);
    const [, dataset, stateBytes, replicas] = decode<StoredRecord>(bytes);
    state.loaded = true; // before restoring: the state hook or field writes must not try to load again
    state.dataset = dataset;
    state.replicas = replicas;
    restoreState(obj, decode(stateBytes, this.resolver));
    this.heap.add(obj, bytes.length, digestOf(stateBytes));
  }

  /** The owned object with this id, loaded; or the error that tells the caller where it is (or that it is nowhere). */
  owned(id: string): DataClayObject | Promise<DataClayObject> {
    const moving = this.moving.get(id);
    if (moving) return this.afterMove(id, moving);
    return this.heap.get(id) ?? this.ownedSlow(id);
  }

  /** An object this backend can answer reads for: its own, or a replica it still holds (checked, see replicas.ts). */
  readable(id: string): DataClayObject | Promise<DataClayObject> {
    const moving = this.moving.get(id);
    if (moving) return this.afterMove(id, moving);
    const loaded = this.heap.get(id);
    if (loaded) return loaded;
    return this.replicas.get(id) ? this.replicas.checked(id) : this.ownedSlow(id);
  }

  private async afterMove(id: string, moving: Promise<string | undefined>): Promise<DataClayObject> {
    const owner = await moving;
    if (owner !== undefined) throw new WrongBackendError(id, owner);
    return this.owned(id); // the move failed: still ours
  }

  /**
   * Marks objects as leaving: from now on requests for them wait for the move to end. Then waits (a bounded time)
   * for calls already running on them. Returns the function that ends the move (with the new owner, or undefined).
   */
  async beginMove(
    objects: DataClayObject[],
    graceMs = 10_000,
    chain?: string,
  ): Promise<(owner: string | undefined) => void> {
    // another move took one of them first (between our traversal and now): wait for it, then redirect
    for (
      let taken = objects.find((o) => this.moving.has(o.id));
      taken;
      taken = objects.find((o) => this.moving.has(o.id))
    ) {
      await this.owned(taken.id);
    }
    let finish!: (owner: string | undefined) => void;
    const done = new Promise<string | undefined>((resolve) => (finish = resolve));
    for (const o of objects) this.moving.set(o.id, done); // synchronously after the check: one move wins
    const until = Date.now() + graceMs;
    while (objects.some((o) => this.heap.pinnedByOthers(o.id, chain)) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 2));
    return (owner) => {
      for (const o of objects) if (this.moving.get(o.id) === done) this.moving.delete(o.id);
      finish(owner);
    };
  }

  private async ownedSlow(id: string): Promise<DataClayObject> {
    let obj = this.heap.get(id) ?? this.identity.get(id);
    if (!obj?.[STATE].local || obj[STATE].replica) {
      const record = this.objects.get(id);
      if (record) obj = obj?.[STATE].local ? obj : this.shell(id, record[0]);
      else obj = undefined;
    }
    if (obj) {
      this.load(obj);
      return obj;
    }
    const md = await this.store.getObject(id);
    if (md?.forward !== undefined) {
      // a consolidated version: it names the original, wherever that lives now
      const original = this.ownedHere(md.forward) ? undefined : await this.store.getObject(md.forward);
      if (!original) return this.owned(md.forward);
      throw new WrongBackendError(id, original.master);
    }
    if (md && md.master !== this.backendId) throw new WrongBackendError(id, md.master);
    throw new DoesNotExistError(id);
  }

  /** The object, when this backend owns it (loaded or not); undefined otherwise. No request is made. */
  ownedHere(id: string): DataClayObject | undefined {
    if (this.moving.has(id)) return undefined;
    const obj = this.heap.get(id) ?? this.identity.get(id);
    if (obj?.[STATE].local && !obj[STATE].replica) return obj;
    const record = this.objects.get(id);
    return record ? this.shell(id, record[0]) : undefined;
  }

  /**
   * Takes ownership of objects shipped by another backend (a move): an instance this process already has (a
   * proxy) becomes the local object, so references to it here turn local; records and metadata are written.
   */
  receive(records: TransferRecord[]): Promise<void> {
    const done = this.receiveNow(records);
    const settled = done.catch(() => undefined);
    for (const [id] of records) this.receiving.set(id, settled);
    void settled.then(() => {
      for (const [id] of records) if (this.receiving.get(id) === settled) this.receiving.delete(id);
    });
    return done;
  }

  private async receiveNow(records: TransferRecord[]): Promise<void> {
    const batch = new Map<string, DataClayObject>();
    for (const [id, className, dataset] of records) {
      const replica = this.replicas.drop(id, this.backendId);
      if (replica) dropFields(replica); // its read-only accessors go: the object is ours now
      const obj =
        replica ??
        this.identity.get(id) ??
        DataClayObject.materialize(classInfoByName(className), id, true, this.backendId);
      this.markRegistered(obj, dataset);
      Object.assign(obj[STATE], { replica: false, replicas: undefined }); // a moved object starts without replicas
      batch.set(id, obj);
    }
    const resolve = (id: string, cls: string, hint: string | null) => batch.get(id) ?? this.resolveRef(id, cls, hint);
    for (const [id, , , stateBytes] of records) restoreState(batch.get(id)!, decode(stateBytes, resolve));
    const objects = [...batch.values()];
    await Promise.all([
      this.writes.save(objects),
      ...objects.map(async (o) => {
        const md = (await this.store.getObject(o.id)) ?? this.metadataOf(o);
        await this.store.putObject({ ...md, master: this.backendId, replicas: [] }); // replicas of a moved object are dropped
      }),
    ]);
  }

  /** Lets go of objects now owned by `owner`: no copy stays in memory or in the store; the instances become proxies. */
  async release(objects: DataClayObject[], owner: string): Promise<void> {
    for (const obj of objects) {
      this.heap.delete(obj.id);
      this.replicas.drop(obj.id, owner);
      becomeRemote(obj, owner);
      obj[STATE].replicas = undefined;
    }
    await Promise.all(objects.map((o) => this.objects.remove(o.id)));
  }

  /** Takes back objects whose move failed halfway: the metadata names this backend again. */
  async reclaim(ids: string[]): Promise<void> {
    await Promise.all(
      ids.map(async (id) => {
        const md = await this.store.getObject(id);
        if (md) await this.store.putObject({ ...md, master: this.backendId });
      }),
    );
  }

  // ---- where new objects go

  protected async defaultBackend(): Promise<string> {
    return this.backendId;
  }

  async checkBackend(backendId: string): Promise<void> {
    if (backendId === this.backendId) return;
    const backends = await this.store.listBackends();
    if (!backends.some((b) => b.id === backendId))
      throw new BackendNotFoundError(
        backendId,
        backends.map((b) => b.id),
      );
  }

  /**
   * An object constructed while this backend serves a request (inside an active method) is persistent here at
   * once, in the caller's dataset; the reply waits until it is stored and its metadata written.
   */
  adopt(obj: DataClayObject): void {
    const ctx = sessionStorage.getStore();
    if (!ctx?.created) return;
    this.markRegistered(obj, ctx.dataset);
    ctx.created.push(obj);
  }

  /** An object built by the running request becomes known to the cluster now (registration.ts), not at its end. */
  protected override settle(obj: DataClayObject): Promise<void> | undefined {
    const ctx = sessionStorage.getStore();
    const i = ctx?.created?.indexOf(obj) ?? -1;
    if (!ctx?.created || i < 0) return undefined;
    ctx.created.splice(i, 1);
    ctx.touched?.add(obj); // what the method changes in it afterwards is saved with the request
    return createObjects(this.registration, [obj], ctx.dataset);
  }

  /** Active methods that run in place during a request: their objects may have changed. */
  onLocalCall(obj: DataClayObject): void {
    sessionStorage.getStore()?.touched?.add(obj);
  }

  /**
   * Objects created here and handed out (arguments, results, field values) become persistent here; so do the new
   * objects their state references, found while saving them.
   */
  protected async persistPending(objects: DataClayObject[]): Promise<void> {
    await this.register(
      objects.filter((o) => !o[STATE].registered),
      this.session(),
    );
  }

  protected override async persistBatch(batch: PersistBatch, target: string, alias?: string): Promise<void> {
    if (target !== this.backendId) return super.persistBatch(batch, target, alias);
    try {
      await this.register(
        batch.objects.filter((o) => !o[STATE].registered),
        this.session(),
        alias,
      );
    } finally {
      batch.release();
    }
    await Promise.all(batch.inFlight);
  }

  private markRegistered(obj: DataClayObject, dataset: string): void {
    const state = obj[STATE];
    state.registered = true;
    state.local = true;
    state.loaded = true;
    state.backendId = this.backendId;
    state.dataset = dataset;
    this.heap.add(obj);
    this.identity.add(obj);
  }

  /** Undoes markRegistered (a registration that failed). */
  unregister(obj: DataClayObject): void {
    this.heap.delete(obj.id);
    this.identity.delete(obj.id);
    obj[STATE].registered = false;
    obj[STATE].backendId = undefined;
  }

  /**
   * Makes local objects persistent on this backend (registration.ts does the unit of work): objects this backend
   * already holds are skipped (a retry of a persist that reached it), objects registered elsewhere fail it, and a
   * failure removes only what this attempt created.
   */
  async register(objects: DataClayObject[], session: Session, alias?: string, lineage?: Lineage): Promise<void> {
    const fresh = objects.filter((o) => !(this.heap.has(o.id) || this.objects.has(o.id)));
    if (fresh.length === 0) {
      if (alias !== undefined && objects.length > 0)
        await ensureAlias(this.store, session.dataset, alias, objects[0].id);
      return;
    }
    for (const o of fresh) this.markRegistered(o, session.dataset);
    await createObjects(this.registration, fresh, session.dataset, alias, lineage);
  }

  /** Told of writes that no reply waits for (evictions, replica updates) and failed. */
  onBackgroundError?: (err: unknown) => void;

  metadataOf(obj: DataClayObject): ObjectMetadata {
    const state = obj[STATE];
    return {
      id: state.id,
      className: state.info.name,
      dataset: state.dataset!,
      master: this.backendId,
      replicas: state.replicas ?? [],
    };
  }
}

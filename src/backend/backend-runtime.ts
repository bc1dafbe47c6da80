// The backend's runtime: it owns objects (heap in memory, records in its store), registers what it creates, and
// answers for what it owns. Every change it acknowledges is on disk first (see docs/durability.md).
import { hash } from 'node:crypto';
import {
  BackendNotFoundError, DataClayError, DoesNotExistError, WrongBackendError,
} from '../errors.js';
import type { MetadataStore } from '../metadata/store.js';
import type { ObjectMetadata } from '../metadata/types.js';
import type { TransferRecord } from '../messaging/protocol.js';
import type { BackendOp } from '../messaging/subjects.js';
import { DataClayObject } from '../object/dataclay-object.js';
import { becomeRemote, dropFields } from '../object/locality.js';
import { captureState, restoreState } from '../object/object-state.js';
import { classInfoByName } from '../object/registry.js';
import { STATE } from '../object/state.js';
import { Runtime, type RuntimeOptions } from '../runtime/runtime.js';
import { sessionStorage, type RequestContext, type Session } from '../runtime/session.js';
import { decode, encode, encodeState } from '../serialization/codec.js';
import type { PersistBatch } from '../serialization/graph.js';
import { Heap, type MemoryBudget } from './heap.js';
import { ObjectStore, type StoredRecord } from './object-store.js';
import { Replicas, readOnlyViolation } from './replicas.js';

/** An encoded state's fingerprint: equal digests mean an unchanged object, so nothing to write. */
function digestOf(stateBytes: Uint8Array): string {
  return hash('sha1', stateBytes, 'base64');
}

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
  /** Objects being moved away: requests for them wait, then go to the new owner. Resolves to it (or undefined). */
  private readonly moving = new Map<string, Promise<string | undefined>>();
  /** Writes not tied to a reply (evictions): awaited by flush and stop. */
  private readonly background = new Set<Promise<void>>();

  constructor(options: BackendRuntimeOptions) {
    super(options);
    this.backendId = options.backendId;
    this.store = options.store;
    this.objects = options.objects;
    this.heap = new Heap(options.budget);
  }

  // ---- references and loading

  override resolveRef(id: string, className: string, hint: string | null): DataClayObject {
    const known = this.heap.get(id) ?? this.identity.get(id);
    if (known) return known;
    if (this.objects.has(id)) return this.shell(id, className); // ours, evicted or not loaded since a restart
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
  async beginMove(objects: DataClayObject[], graceMs = 10_000): Promise<(owner: string | undefined) => void> {
    let finish!: (owner: string | undefined) => void;
    const done = new Promise<string | undefined>((resolve) => (finish = resolve));
    for (const o of objects) this.moving.set(o.id, done);
    const until = Date.now() + graceMs;
    while (objects.some((o) => this.heap.pinned(o.id)) && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
    return (owner) => {
      for (const o of objects) if (this.moving.get(o.id) === done) this.moving.delete(o.id);
      finish(owner);
    };
  }

  private async ownedSlow(id: string): Promise<DataClayObject> {
    let obj = this.heap.get(id) ?? this.identity.get(id);
    if (!obj?.[STATE].local || obj[STATE].replica) {
      const record = this.objects.get(id);
      if (record) obj = obj && obj[STATE].local ? obj : this.shell(id, record[0]);
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
  async receive(records: TransferRecord[]): Promise<void> {
    const batch = new Map<string, DataClayObject>();
    for (const [id, className, dataset] of records) {
      const obj = this.replicas.drop(id, this.backendId) ?? this.identity.get(id) ?? DataClayObject.materialize(classInfoByName(className), id, true, this.backendId);
      this.markRegistered(obj, dataset);
      Object.assign(obj[STATE], { replica: false, replicas: undefined }); // a moved object starts without replicas
      batch.set(id, obj);
    }
    const resolve = (id: string, cls: string, hint: string | null) => batch.get(id) ?? this.resolveRef(id, cls, hint);
    for (const [id, , , stateBytes] of records) restoreState(batch.get(id)!, decode(stateBytes, resolve));
    const objects = [...batch.values()];
    await Promise.all([
      this.save(objects),
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

  /** A live backend holding no copy of any of these objects, at random; null when every backend has one. */
  async backendWithoutCopy(objects: DataClayObject[]): Promise<string | null> {
    const taken = new Set([this.backendId, ...objects.flatMap((o) => o[STATE].replicas ?? [])]);
    const free = (await this.store.listBackends()).map((b) => b.id).filter((id) => !taken.has(id));
    return free.length === 0 ? null : free[Math.floor(Math.random() * free.length)];
  }

  /** Takes back objects whose move failed halfway: the metadata names this backend again. */
  async reclaim(ids: string[]): Promise<void> {
    await Promise.all(ids.map(async (id) => {
      const md = await this.store.getObject(id);
      if (md) await this.store.putObject({ ...md, master: this.backendId });
    }));
  }

  /** Adds a replica backend to an object this backend masters: in its record, and in its metadata. */
  async addReplica(obj: DataClayObject, replica: string): Promise<void> {
    const state = obj[STATE];
    state.replicas = [...new Set([...(state.replicas ?? []), replica])];
    await this.rewrite(obj);
  }

  /** Removes a replica backend (unreachable, or dropped) from an object this backend masters. */
  async forgetReplica(obj: DataClayObject, replica: string): Promise<void> {
    const state = obj[STATE];
    state.replicas = state.replicas?.filter((r) => r !== replica);
    await this.rewrite(obj);
  }

  private async rewrite(obj: DataClayObject): Promise<void> {
    const state = obj[STATE];
    const record = ObjectStore.encodeRecord([state.info.name, state.dataset!, encodeState(captureState(obj)), state.replicas]);
    const md = (await this.store.getObject(state.id)) ?? this.metadataOf(obj);
    await Promise.all([this.objects.put(state.id, record), this.store.putObject({ ...md, replicas: state.replicas ?? [] })]);
  }

  /** What a read-only call starts from: its object's encoded state, and (for a replica) the master's revision. */
  readOnlyStart(obj: DataClayObject): { state: Uint8Array; revision: number } {
    return { state: encodeState(captureState(obj), undefined, obj[STATE].info.ctor.name), revision: this.replicas.revision(obj.id) };
  }

  /**
   * After a read-only call: its object must be as it was when the call started. A change is undone and refused,
   * unless other calls ran on the object meanwhile (a writer's change is not the read-only method's) or, on a
   * replica, the master sent a new state meanwhile.
   */
  verifyReadOnly(obj: DataClayObject, method: string, start: { state: Uint8Array; revision: number }): void {
    const state = obj[STATE];
    const now = encodeState(captureState(obj), undefined, state.info.ctor.name);
    if (Buffer.compare(now, start.state) === 0) return;
    if (this.heap.pinCount(state.id) > 1 || this.replicas.revision(state.id) !== start.revision) return;
    restoreState(obj, decode(start.state, this.resolver));
    throw readOnlyViolation(obj, method);
  }

  // ---- where new objects go

  protected async defaultBackend(): Promise<string> {
    return this.backendId;
  }

  /** BackendNotFoundError unless `backendId` is a live backend. */
  checkLiveBackend(backendId: string): Promise<void> {
    return this.checkBackend(backendId);
  }

  /** A request to another backend on behalf of the current request (its session travels). */
  backendAdminRequest<T>(backendId: string, op: BackendOp, payload: Uint8Array): Promise<T> {
    return this.backendRequest<T>(backendId, op, payload);
  }

  protected async checkBackend(backendId: string): Promise<void> {
    if (backendId === this.backendId) return;
    const backends = await this.store.listBackends();
    if (!backends.some((b) => b.id === backendId)) throw new BackendNotFoundError(backendId, backends.map((b) => b.id));
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

  /** Active methods that run in place during a request: their objects may have changed. */
  onLocalCall(obj: DataClayObject): void {
    sessionStorage.getStore()?.touched?.add(obj);
  }

  /**
   * Objects created here and handed out (arguments, results, field values) become persistent here; so do the new
   * objects their state references, found while saving them.
   */
  protected async persistPending(objects: DataClayObject[]): Promise<void> {
    await this.register(objects.filter((o) => !o[STATE].registered), this.session());
  }

  protected override async persistBatch(batch: PersistBatch, target: string, alias?: string): Promise<void> {
    if (target !== this.backendId) return super.persistBatch(batch, target, alias);
    try {
      await this.register(batch.objects.filter((o) => !o[STATE].registered), this.session(), alias);
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

  private unregister(obj: DataClayObject): void {
    this.heap.delete(obj.id);
    this.identity.delete(obj.id);
    obj[STATE].registered = false;
    obj[STATE].backendId = undefined;
  }

  /**
   * Makes local objects persistent on this backend: the root's alias first (put-if-absent decides duplicates),
   * then the store, the heap and the object metadata. On failure nothing stays registered, the alias included.
   */
  async register(objects: DataClayObject[], session: Session, alias?: string, lineage?: Pick<ObjectMetadata, 'original' | 'versions'>): Promise<void> {
    if (objects.length === 0) return;
    const existing = objects.find((o) => this.heap.has(o.id) || this.objects.has(o.id));
    if (existing) throw new DataClayError(`Object ${existing.id} is already persistent here`, { objectId: existing.id });
    if (alias !== undefined) await this.store.createAlias(session.dataset, alias, objects[0].id);
    for (const o of objects) this.markRegistered(o, session.dataset);
    try {
      await Promise.all([this.save(objects), ...objects.map((o) => this.store.createObject({ ...this.metadataOf(o), ...lineage }))]);
    } catch (err) {
      for (const o of objects) this.unregister(o);
      await Promise.allSettled([
        ...objects.map((o) => this.objects.remove(o.id)),
        ...objects.map((o) => this.store.deleteObject(o.id)),
        ...(alias !== undefined ? [this.store.deleteAlias(session.dataset, alias)] : []),
      ]);
      throw err;
    }
  }

  /**
   * Writes the records of local objects whose state differs from what is stored; resolves once on disk.
   * Unregistered objects their state references become persistent here first.
   */
  save(objects: Iterable<DataClayObject>): Promise<void> {
    return (this.saveChanged(objects) ?? Promise.resolve()) as Promise<void>;
  }

  /** save() without a promise when nothing changed: the common case of a call, kept off the microtask queue. */
  private saveChanged(objects: Iterable<DataClayObject>): Promise<unknown> | undefined {
    const writes: Promise<unknown>[] = [];
    const found: DataClayObject[] = [];
    const replicated: { obj: DataClayObject; record: TransferRecord }[] = [];
    for (const obj of objects) {
      const state = obj[STATE];
      if (!state.local || !state.loaded || !state.registered || state.replica) continue;
      const stateBytes = encodeState(captureState(obj), (o) => void (o[STATE].registered || found.push(o)), state.info.ctor.name);
      const digest = digestOf(stateBytes);
      if (digest === this.heap.digest(state.id)) continue; // unchanged since last read or written
      const record = ObjectStore.encodeRecord([state.info.name, state.dataset!, stateBytes, state.replicas]);
      this.heap.stored(state.id, record.length, digest);
      writes.push(this.objects.put(state.id, record));
      if (state.replicas?.length) replicated.push({ obj, record: [state.id, state.info.name, state.dataset!, stateBytes] });
    }
    if (found.length > 0) writes.push(this.register([...new Set(found)].filter((o) => !o[STATE].registered), this.session()));
    if (replicated.length > 0) writes.push(this.replicas.push(replicated)); // acknowledged once every copy has it
    return writes.length === 0 ? undefined : writes.length === 1 ? writes[0] : Promise.all(writes);
  }

  /**
   * What a request changed, on disk before its reply: the object it ran on, objects whose active methods ran in
   * place, objects it created (and their metadata).
   */
  commit(ctx: RequestContext, target?: DataClayObject): Promise<void> | undefined {
    const created = ctx.created?.splice(0) ?? [];
    const changed = new Set<DataClayObject>(ctx.touched);
    if (target) changed.add(target);
    for (const o of created) changed.add(o);
    const saved = this.saveChanged(changed);
    if (!saved && created.length === 0) {
      this.enforceBudget();
      return undefined;
    }
    return this.commitCreated(created, saved);
  }

  private async commitCreated(created: DataClayObject[], saved: Promise<unknown> | undefined): Promise<void> {
    try {
      await Promise.all([saved, ...created.map((o) => this.store.createObject(this.metadataOf(o)))]);
    } catch (err) {
      for (const o of created) this.unregister(o);
      await Promise.allSettled(created.flatMap((o) => [this.objects.remove(o.id), this.store.deleteObject(o.id)]));
      throw err;
    }
    this.enforceBudget();
  }

  /** Evicts least recently used objects beyond the memory budget: saved first, then their fields dropped. */
  enforceBudget(): void {
    const victims = this.heap.evictionCandidates();
    if (victims.length === 0) return;
    this.track(this.save(victims));
    for (const obj of victims) this.evict(obj);
  }

  private evict(obj: DataClayObject): void {
    dropFields(obj);
    obj[STATE].loaded = false;
    this.heap.delete(obj.id);
  }

  private track(write: Promise<void>): void {
    const tracked = write.catch((err) => {
      this.onBackgroundError?.(err);
    });
    this.background.add(tracked);
    void tracked.finally(() => this.background.delete(tracked));
  }

  onBackgroundError?: (err: unknown) => void;

  /** Saves every loaded object, then drops them all from memory (they reload on next use). */
  async flushAll(): Promise<{ saved: number }> {
    const loaded = [...this.heap.values()];
    await this.save(loaded);
    await Promise.all(this.background);
    for (const obj of loaded) this.evict(obj);
    return { saved: loaded.length };
  }

  /** Saves every loaded object (a clean stop). */
  async saveAll(): Promise<void> {
    await this.save([...this.heap.values()]);
    await Promise.all(this.background);
  }

  metadataOf(obj: DataClayObject): ObjectMetadata {
    const state = obj[STATE];
    return { id: state.id, className: state.info.name, dataset: state.dataset!, master: this.backendId, replicas: state.replicas ?? [] };
  }
}

// What clients and backends share: remote object operations over NATS, the identity map, stale-owner retries.
import type { NatsConnection } from '@nats-io/transport-node';
import {
  BackendUnavailableError,
  FieldNotFoundError,
  ObjectIsMasterError,
  InvalidAliasError,
  NoBackendsError,
  ObjectNotRegisteredError,
  WrongBackendError,
} from '../errors.js';
import { readReply } from '../messaging/envelope.js';
import { NoResponders, RequestMux } from '../messaging/mux.js';
import { batchBudget, chunkBySize } from '../messaging/chunks.js';
import { inboxPrefix, Subjects } from '../messaging/subjects.js';
import type { ClassDescription } from '../metadata/class-description.js';
import type { BackendInfo, ObjectMetadata } from '../metadata/types.js';
import { sessionStorage, type CallOptions, type RequestContext, type Session } from '../object/context.js';
import { DataClayObject } from '../object/dataclay-object.js';
import { processIdentity } from '../object/identity.js';
import { becomeRemote, readFields, writeFields } from '../object/locality.js';
import { findClassInfo } from '../object/registry.js';
import { placeholderInfo } from '../stubs/stub-class.js';
import type { MakePersistentOptions, MoveOptions, ObjectRuntime } from '../object/runtime-slot.js';
import { STATE } from '../object/state.js';
import { backendOps, type BackendOp, type BackendOps, type ReplicateRequest } from '../protocol/backend-ops.js';
import type { MetadataOp, MetadataOps, ObjectsQuery } from '../protocol/metadata-ops.js';
import { toWire, type WireSession } from '../protocol/session.js';
import { encode, type EncodeSink, type RefResolver } from '../serialization/codec.js';
import { collectUnregistered, deepCopy, type PersistBatch } from '../serialization/graph.js';
import { captureState, restoreState } from '../object/object-state.js';
import { type Identity, senderFor } from '../security/identity.js';

/** Names a request's user values in an UnserializableError: `what` they are, `focus` where to search. */
export interface Label {
  what: string;
  focus: unknown;
}

/** A proxy whose owner moved is redirected at most this many times per operation. */
const MAX_REDIRECTS = 3;

export interface RuntimeOptions {
  nc: NatsConnection;
  namespace: string;
  session: Session;
  timeoutMs: number;
  /** Who this runtime sends as: its NATS identity, and whether it is a client or a backend (security/identity.ts). */
  identity: Identity;
}

export abstract class Runtime implements ObjectRuntime {
  /** One per process, shared by every runtime started in it: one live instance per object id. */
  readonly identity = processIdentity;
  readonly subjects: Subjects;
  readonly nc: NatsConnection;
  readonly timeoutMs: number;
  readonly mux: RequestMux;
  private readonly defaultSession: Session;

  constructor(options: RuntimeOptions) {
    this.nc = options.nc;
    this.mux = new RequestMux(options.nc, inboxPrefix(options.identity.user));
    this.subjects = new Subjects(
      options.namespace,
      senderFor(options.identity, () => this.session().username),
    );
    this.timeoutMs = options.timeoutMs;
    this.defaultSession = options.session;
  }

  session(): RequestContext {
    return sessionStorage.getStore() ?? this.defaultSession;
  }

  /** Runs `fn` in a context (dataset, username, timeout, signal) that every request made under it carries. */
  run<T>(context: Partial<Session> & CallOptions, fn: () => T): T {
    return sessionStorage.run({ ...this.session(), ...context }, fn);
  }

  private requestOptions(): { timeoutMs: number; signal?: AbortSignal } {
    const ctx = this.session();
    return { timeoutMs: ctx.timeoutMs ?? this.timeoutMs, signal: ctx.signal };
  }

  // ---- what differs between a client and a backend

  /** Where a new object goes when the caller names no backend. */
  protected abstract defaultBackend(): Promise<string>;
  /** Throws BackendNotFoundError for an id that is not a live backend. */
  abstract checkBackend(backendId: string): Promise<void>;
  /** Makes unregistered objects met in a call's arguments persistent, next to the callee when possible. */
  protected abstract persistPending(objects: DataClayObject[], calleeBackend: string): Promise<void>;

  // ---- references

  /** The live object for a reference: the identity map's, or a new proxy of the owner given by the hint. */
  resolveRef(id: string, className: string, backendHint: string | null): DataClayObject {
    const known = this.identity.get(id);
    if (known) return known;
    const info = findClassInfo(className) ?? placeholderInfo(className); // a class this process lacks: a stub
    const proxy = DataClayObject.materialize(info, id, false, backendHint ?? undefined);
    this.identity.add(proxy);
    return proxy;
  }

  /** resolveRef bound, for the codec. */
  readonly resolver: RefResolver = (id, className, hint) => this.resolveRef(id, className, hint);

  protected fromMetadata(md: ObjectMetadata): DataClayObject {
    const obj = this.resolveRef(md.id, md.className, md.master);
    const state = obj[STATE];
    if (!state.local) state.backendId = md.master;
    state.dataset = md.dataset;
    return obj;
  }

  // ---- requests

  /** Bytes of records one batch request may carry. */
  batchBudget(): number {
    return batchBudget(this.nc.info?.max_payload);
  }

  /** Sends an operation to a backend; the reply has the operation's declared type. */
  async request<K extends BackendOp>(
    backendId: string,
    op: K,
    body: BackendOps[K]['request'],
    label?: Label,
  ): Promise<BackendOps[K]['reply']> {
    return this.send(backendId, op, await this.encodeRequest(op, body, backendId, label));
  }

  /**
   * A request's bytes. An operation whose values may reference objects persists the unregistered ones first (next
   * to `callee` when the placement allows): they travel by reference only.
   */
  private encodeRequest<K extends BackendOp>(
    op: K,
    body: BackendOps[K]['request'],
    callee: string,
    label?: Label,
  ): Uint8Array | Promise<Uint8Array> {
    if (!backendOps[op].refs) return encode(body);
    return this.encodeWithRefs((sink) => encode(body, sink, label?.what, label?.focus), callee);
  }

  private async send<K extends BackendOp>(
    backendId: string,
    op: K,
    payload: Uint8Array,
  ): Promise<BackendOps[K]['reply']> {
    try {
      const bytes = await this.mux.request(this.subjects.backend(backendId, op), payload, this.requestOptions());
      return readReply<BackendOps[K]['reply']>(bytes, this.resolver);
    } catch (err) {
      if (err instanceof NoResponders) throw new BackendUnavailableError(backendId, { cause: err });
      throw err;
    }
  }

  protected async metadataRequest<K extends MetadataOp>(
    op: K,
    body: MetadataOps[K]['request'],
  ): Promise<MetadataOps[K]['reply']> {
    try {
      const bytes = await this.mux.request(this.subjects.metadata(op), encode(body), this.requestOptions());
      return readReply<MetadataOps[K]['reply']>(bytes);
    } catch (err) {
      if (err instanceof NoResponders) throw new NoBackendsError({ cause: err });
      throw err;
    }
  }

  /**
   * Sends to the object's owner; a "wrong backend" answer updates the proxy and retries, a bounded number of times.
   * The payload is made once, for the first owner tried (new objects it references are persisted next to it).
   */
  protected async toOwner<K extends BackendOp>(
    obj: DataClayObject,
    op: K,
    body: BackendOps[K]['request'],
    options: { anyCopy?: boolean; label?: Label } = {},
  ): Promise<BackendOps[K]['reply']> {
    const state = obj[STATE];
    if (state.persisting) await state.persisting.catch(() => undefined);
    if (!state.registered) throw new ObjectNotRegisteredError(state.id);
    let bytes: Uint8Array | undefined;
    for (let attempt = 0; ; attempt++) {
      const owner = state.backendId ?? (await this.getObjectMetadata(state.id)).master;
      // reads may go to any copy: the master or one of its replicas, at random
      const copies = options.anyCopy && state.replicas?.length ? [owner, ...state.replicas] : [owner];
      const target = copies[Math.floor(Math.random() * copies.length)];
      bytes ??= await this.encodeRequest(op, body, owner, options.label);
      try {
        return await this.send(target, op, bytes);
      } catch (err) {
        const redirect = err instanceof WrongBackendError && err.data.objectId === state.id;
        const goneReplica = err instanceof BackendUnavailableError && target !== owner;
        if (!(redirect || goneReplica) || attempt >= MAX_REDIRECTS) throw err;
        if (target !== owner)
          state.replicas = state.replicas?.filter((r) => r !== target); // a replica no more
        else if (err instanceof WrongBackendError) state.backendId = err.data.owner;
      }
    }
  }

  /**
   * Encodes a value whose unregistered objects must become persistent first (they travel by reference only).
   * The rare second encoding gives their references the owner hint they got.
   */
  encodeWithRefs(
    encodeFn: (onObject: EncodeSink) => Uint8Array,
    calleeBackend: string,
  ): Uint8Array | Promise<Uint8Array> {
    const pending: DataClayObject[] = [];
    const bytes = encodeFn((o) => {
      if (!o[STATE].registered) pending.push(o);
    });
    return pending.length === 0 ? bytes : this.persistThenEncode(encodeFn, pending, calleeBackend);
  }

  private async persistThenEncode(
    encodeFn: (onObject: EncodeSink) => Uint8Array,
    pending: DataClayObject[],
    calleeBackend: string,
  ): Promise<Uint8Array> {
    await this.persistPending(pending, calleeBackend);
    await Promise.all(pending.map((o) => o[STATE].persisting)); // those another operation was persisting
    return encodeFn(() => undefined);
  }

  // ---- ObjectRuntime

  async makePersistent(obj: DataClayObject, options: MakePersistentOptions): Promise<void> {
    if (options.alias !== undefined) validateAlias(options.alias);
    const inFlight = obj[STATE].persisting;
    if (inFlight) await inFlight; // persisted by a concurrent operation: what follows treats it as registered
    if (obj.isRegistered) {
      // the alias first: if it exists already, nothing moves
      if (options.alias !== undefined) await this.addAlias(obj, options.alias);
      if (options.backendId !== undefined && options.backendId !== obj.backendId)
        await this.move(obj, options.backendId, {});
      return;
    }
    const target = options.backendId ?? (await this.defaultBackend());
    if (options.backendId !== undefined) await this.checkBackend(target);
    const batch = collectUnregistered([obj]);
    if (!batch.objects.includes(obj)) {
      // a concurrent operation claimed it meanwhile: wait for it, then do what is left (the alias)
      batch.release();
      await Promise.all(batch.inFlight);
      return this.makePersistent(obj, options);
    }
    await this.persistBatch(batch, target, options.alias);
  }

  /**
   * Ships a batch of new objects to `target`, which registers them (and the root's alias) in one request. While it
   * is in flight the objects are already remote here (their fields leave; a sync access throws NotLocalError, an
   * operation waits), so nothing written meanwhile can be lost; if it fails they become local again, unchanged.
   */
  protected async persistBatch(batch: PersistBatch, target: string, alias?: string): Promise<void> {
    if (batch.objects.length === 0) {
      batch.release();
      await Promise.all(batch.inFlight);
      return;
    }
    const session = this.session();
    const fields = batch.objects.map((o) => readFields(o));
    for (const o of batch.objects) {
      becomeRemote(o, target);
      Object.assign(o[STATE], { registered: false, dataset: session.dataset });
    }
    try {
      await Promise.all(batch.inFlight);
      // a graph bigger than one message goes in several, the root's (with the alias) first
      const chunks = chunkBySize(batch.records, (r) => r[0].length + r[1].length + r[2].length, this.batchBudget());
      for (const [i, records] of chunks.entries()) {
        const s = toWire(session);
        await this.request(target, 'persist', i === 0 && alias !== undefined ? [s, records, alias] : [s, records]);
      }
      for (const o of batch.objects) {
        o[STATE].registered = true;
        this.identity.add(o);
      }
    } catch (err) {
      batch.objects.forEach((o, i) => {
        Object.assign(o[STATE], { local: true, loaded: true, backendId: undefined, dataset: undefined });
        writeFields(o, fields[i]);
      });
      throw err;
    } finally {
      batch.release();
    }
  }

  async call(obj: DataClayObject, method: string, args: unknown[], readonly = false): Promise<unknown> {
    const label = { what: `${obj[STATE].info.ctor.name}.${method}() args`, focus: args };
    return this.toOwner(obj, 'call', [toWire(this.session()), obj.id, method, args], { anyCopy: readonly, label });
  }

  async getField(obj: DataClayObject, field: string): Promise<unknown> {
    assertField(obj, field);
    return this.toOwner(obj, 'get', [toWire(this.session()), obj.id, field], { anyCopy: true });
  }

  async setField(obj: DataClayObject, field: string, value: unknown): Promise<void> {
    assertField(obj, field);
    const label = { what: `${obj[STATE].info.ctor.name}.${field}`, focus: value };
    await this.toOwner(obj, 'set', [toWire(this.session()), obj.id, field, value], { label });
  }

  async move(obj: DataClayObject, backendId: string, options: MoveOptions): Promise<void> {
    if (obj[STATE].persisting) await obj[STATE].persisting;
    if (!obj.isRegistered) return this.makePersistent(obj, { backendId });
    await this.checkBackend(backendId);
    const { recursive = false, remotes = true } = options;
    await this.toOwner(obj, 'move', [toWire(this.session()), [obj.id], backendId, recursive, remotes, false]);
    // this proxy knows at once; others (and the referents) repair themselves on their next use
    if (!obj[STATE].local) obj[STATE].backendId = backendId;
  }

  async construct(className: string, args: unknown[], backendId?: string): Promise<DataClayObject> {
    const target = backendId ?? (await this.defaultBackend());
    if (backendId !== undefined) await this.checkBackend(backendId);
    const label = { what: `new ${className}() args`, focus: args };
    return this.request(target, 'construct', [toWire(this.session()), className, args], label);
  }

  /** Waits for a makePersistent in flight on the object; ObjectNotRegisteredError if it is still not persistent. */
  private async persistent(obj: DataClayObject): Promise<void> {
    if (obj[STATE].persisting) await obj[STATE].persisting.catch(() => undefined);
    if (!obj.isRegistered) throw new ObjectNotRegisteredError(obj.id);
  }

  async newReplica(obj: DataClayObject, backendId: string | undefined, options: MoveOptions): Promise<void> {
    await this.persistent(obj);
    if (backendId !== undefined) await this.checkBackend(backendId);
    const { recursive = false, remotes = true } = options;
    const body: ReplicateRequest = [toWire(this.session()), [obj.id], backendId ?? null, recursive, remotes, false];
    const { target } = await this.toOwner(obj, 'replicate', body);
    if (target === null) return; // every backend has a copy already
    const state = obj[STATE];
    if (!state.local) state.replicas = [...new Set([...(state.replicas ?? []), target])];
  }

  async newVersion(obj: DataClayObject, backendId?: string): Promise<DataClayObject> {
    await this.persistent(obj);
    if (backendId !== undefined) await this.checkBackend(backendId);
    const [id, className, owner] = await this.toOwner(obj, 'version', [toWire(this.session()), obj.id]);
    const version = this.resolveRef(id, className, owner);
    version[STATE].dataset = obj[STATE].dataset;
    if (backendId !== undefined && backendId !== owner) await this.move(version, backendId, {});
    return version;
  }

  async consolidateVersion(obj: DataClayObject): Promise<void> {
    await this.persistent(obj);
    const [, owner] = await this.toOwner(obj, 'consolidate', [toWire(this.session()), obj.id]);
    const state = obj[STATE];
    if (!state.local) state.backendId = owner; // the version's id now forwards to the original, there
  }

  async sync(obj: DataClayObject): Promise<void> {
    const state = obj[STATE];
    if (!state.registered) throw new ObjectNotRegisteredError(state.id);
    if (state.local && !state.replica) throw new ObjectIsMasterError(state.id);
    const md = await this.getObjectMetadata(state.id);
    state.backendId = md.master;
    state.replicas = md.replicas;
    state.dataset = md.dataset;
  }

  async getState(obj: DataClayObject): Promise<unknown> {
    if (obj[STATE].local) return deepCopy(captureState(obj));
    return this.toOwner(obj, 'state', [toWire(this.session()), obj.id]);
  }

  async setState(obj: DataClayObject, state: unknown): Promise<void> {
    if (obj[STATE].local && !obj[STATE].replica) return restoreState(obj, state);
    const label = { what: obj[STATE].info.ctor.name, focus: state };
    await this.toOwner(obj, 'update', [toWire(this.session()), obj.id, state], { label });
  }

  /** Fields and active methods of a class, as the backends know it. */
  async getClassInfo(className: string): Promise<ClassDescription> {
    return this.metadataRequest('class', { s: toWire(this.session()), c: className });
  }

  async getObjectMetadata(id: string): Promise<ObjectMetadata> {
    return this.metadataRequest('object', { s: toWire(this.session()), id });
  }

  async getById(id: string): Promise<DataClayObject> {
    return this.identity.get(id) ?? this.fromMetadata(await this.getObjectMetadata(id));
  }

  async getByAlias(alias: string, dataset?: string): Promise<DataClayObject> {
    validateAlias(alias);
    const session = this.session();
    const md = await this.metadataRequest('alias.get', { s: toWire(session), d: dataset ?? session.dataset, a: alias });
    return this.fromMetadata(md);
  }

  async deleteAlias(alias: string, dataset?: string): Promise<void> {
    validateAlias(alias);
    const session = this.session();
    await this.metadataRequest('alias.del', { s: toWire(session), d: dataset ?? session.dataset, a: alias });
  }

  async addAlias(obj: DataClayObject, alias: string): Promise<void> {
    validateAlias(alias);
    const state = obj[STATE];
    if (!state.registered) throw new ObjectNotRegisteredError(state.id);
    const s = toWire(this.session());
    await this.metadataRequest(
      'alias.add',
      state.dataset === undefined ? { s, a: alias, id: state.id } : { s, a: alias, id: state.id, d: state.dataset },
    );
  }

  async getAliases(obj: DataClayObject): Promise<Set<string>> {
    const state = obj[STATE];
    if (!state.registered) throw new ObjectNotRegisteredError(state.id);
    const s = toWire(this.session());
    const body = state.dataset === undefined ? { s, id: state.id } : { s, id: state.id, d: state.dataset };
    return new Set(await this.metadataRequest('alias.list', body));
  }

  async listBackends(): Promise<BackendInfo[]> {
    return this.metadataRequest('backends', { s: toWire(this.session()) });
  }

  async listObjects(filter: Omit<ObjectsQuery, 's'> = {}): Promise<ObjectMetadata[]> {
    return this.metadataRequest('objects', { s: toWire(this.session()), ...filter });
  }

  /** The current session as a request carries it. */
  wire(): WireSession {
    return toWire(this.session());
  }
}

function validateAlias(alias: unknown): asserts alias is string {
  if (typeof alias !== 'string' || alias.length === 0) throw new InvalidAliasError(alias);
}

function assertField(obj: DataClayObject, field: string): void {
  const info = obj[STATE].info;
  if (!info.open && !info.fieldNames.has(field)) throw new FieldNotFoundError(info.name, field);
}

// Read replicas. A backend holds replicas of other backends' objects (in memory, refreshed by their master), and,
// as a master, pushes every change of a replicated object to its replicas before the change is acknowledged.
import { ReadOnlyViolationError, ReplicaWriteError, WrongBackendError } from '../errors.js';
import { blank, holdReplica, setReplicas, toProxy } from '../object/lifecycle.js';
import { dropFields } from '../object/locality.js';
import type { TransferRecord } from '../protocol/backend-ops.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { evolveReceived, shapeOf } from '../object/evolution.js';
import { restoreState } from '../object/object-state.js';
import { classInfoByName } from '../object/registry.js';
import { STATE } from '../object/state.js';
import { chunkBySize, recordSize } from '../messaging/chunks.js';
import { decode, encodeState } from '../serialization/codec.js';
import { captureState, hasStateHooks } from '../object/object-state.js';
import { ObjectStore } from './object-store.js';
import type { MetadataStore } from '../metadata/store.js';
import type { ObjectMetadata } from '../metadata/types.js';
import type { IdentityMap } from '../object/identity.js';
import type { ObjectState } from '../object/state.js';
import type { RefResolver } from '../serialization/codec.js';
import type { Requests } from '../runtime/requests.js';

export interface ReplicasDeps {
  backendId: string;
  identity: IdentityMap;
  resolveRef: RefResolver;
  store: Pick<MetadataStore, 'getObject' | 'putObject' | 'listBackends'>;
  objects: Pick<ObjectStore, 'put'>;
  requests: Pick<Requests, 'request' | 'wire' | 'batchBudget'>;
  metadataOf: (obj: DataClayObject) => ObjectMetadata;
  /** Loads an evicted object (its state now). */
  load: (obj: DataClayObject) => ObjectState;
  onBackgroundError: (err: unknown) => void;
}

/** `revision`: how many states the master has sent. */
interface Held {
  obj: DataClayObject;
  state: Uint8Array;
  revision: number;
}

export class Replicas {
  /** Replicas of objects mastered elsewhere, with the state their master last sent. */
  private readonly held = new Map<string, Held>();

  constructor(private readonly rt: ReplicasDeps) {}

  get(id: string): DataClayObject | undefined {
    return this.held.get(id)?.obj;
  }

  get size(): number {
    return this.held.size;
  }

  /** Takes, or refreshes, replicas sent by their master. A proxy this process had becomes the replica. */
  receive(records: TransferRecord[], master: string): void {
    const batch = new Map<string, DataClayObject>();
    for (const [id, className, dataset] of records) {
      const obj = this.held.get(id)?.obj ?? this.rt.identity.get(id) ?? blank(classInfoByName(className), id);
      holdReplica(obj, master, dataset);
      this.rt.identity.add(obj);
      batch.set(id, obj);
    }
    const resolve = (id: string, cls: string, hint: string | null) =>
      batch.get(id) ?? this.rt.resolveRef(id, cls, hint);
    for (const [id, , , state, shape] of records) {
      const obj = batch.get(id)!;
      dropFields(obj); // the read-only accessors of the previous state: a state hook assigns fields
      restoreState(obj, evolveReceived(obj[STATE].info, id, decode(state, resolve), shape, hasStateHooks(obj)));
      readOnlyFields(obj);
      this.held.set(id, { obj, state, revision: (this.held.get(id)?.revision ?? 0) + 1 });
    }
  }

  /**
   * The replica, if its master still counts on it: a replica the master gave up on (it missed an update) must not
   * serve reads, so every read checks the metadata first (one KV read) and a stale replica is dropped.
   */
  async checked(id: string): Promise<DataClayObject> {
    const held = this.held.get(id)!;
    const md = await this.rt.store.getObject(id);
    if (md && md.forward === undefined && md.replicas.includes(this.rt.backendId)) return held.obj;
    const owner = md?.master ?? held.obj[STATE].backendId!;
    this.drop(id, owner);
    throw new WrongBackendError(id, owner);
  }

  /**
   * Drops a replica: the instance becomes a proxy of `owner`; with `keep`, the caller turns it into something else
   * (a move to this backend makes it the object itself).
   */
  drop(id: string, owner: string, keep = false): DataClayObject | undefined {
    const held = this.held.get(id);
    if (!held) return undefined;
    this.held.delete(id);
    if (!keep) toProxy(held.obj, owner);
    return held.obj;
  }

  /** The replicas held here, by their master. */
  heldByMaster(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [id, { obj }] of this.held) {
      const master = obj[STATE].backendId!;
      const ids = out.get(master);
      if (ids) ids.push(id);
      else out.set(master, [id]);
    }
    return out;
  }

  revision(id: string): number {
    return this.held.get(id)?.revision ?? 0;
  }

  /** A live backend holding no copy of any of these objects, at random; null when every backend has one. */
  async backendWithoutCopy(objects: DataClayObject[]): Promise<string | null> {
    const taken = new Set([this.rt.backendId, ...objects.flatMap((o) => o[STATE].replicas ?? [])]);
    // a draining backend is emptying itself: a new copy there would have to be handed over again
    const free = (await this.rt.store.listBackends()).filter((b) => !b.draining && !taken.has(b.id)).map((b) => b.id);
    return free.length === 0 ? null : free[Math.floor(Math.random() * free.length)];
  }

  /** Master side: adds a replica backend to an object this backend masters: in its record, and in its metadata. */
  async addReplica(obj: DataClayObject, replica: string): Promise<void> {
    setReplicas(obj, [...new Set([...(this.rt.load(obj).replicas ?? []), replica])]);
    await this.rewrite(obj);
  }

  /** Master side: removes a replica backend (unreachable, or dropped) from an object this backend masters. */
  async forgetReplica(obj: DataClayObject, replica: string): Promise<void> {
    setReplicas(
      obj,
      this.rt.load(obj).replicas?.filter((r) => r !== replica),
    );
    await this.rewrite(obj);
  }

  private async rewrite(obj: DataClayObject): Promise<void> {
    const state = this.rt.load(obj);
    if (state.kind !== 'owned') return; // moved away meanwhile: no record of it here to rewrite
    const record = ObjectStore.encodeRecord([
      state.info.name,
      state.dataset,
      encodeState(captureState(obj)),
      state.replicas,
      shapeOf(state.info),
    ]);
    const md = (await this.rt.store.getObject(state.id)) ?? this.rt.metadataOf(obj);
    await Promise.all([
      this.rt.objects.put(state.id, record),
      this.rt.store.putObject({ ...md, replicas: [...(state.replicas ?? [])] }),
    ]);
  }

  /**
   * Master side: sends the new state of replicated objects to every replica; resolves when all have it. A replica
   * that cannot be reached is dropped from the object's replicas (and from its metadata), never left stale.
   */
  async push(updates: { obj: DataClayObject; record: TransferRecord }[]): Promise<void> {
    const byReplica = new Map<string, TransferRecord[]>();
    for (const { obj, record } of updates) {
      for (const r of obj[STATE].replicas ?? []) byReplica.set(r, [...(byReplica.get(r) ?? []), record]);
    }
    await Promise.all(
      [...byReplica].map(async ([replica, records]) => {
        try {
          for (const chunk of chunkBySize(records, recordSize, this.rt.requests.batchBudget())) {
            const s = this.rt.requests.wire();
            await this.rt.requests.request(replica, 'receive', [s, 'replica', chunk, this.rt.backendId]);
          }
        } catch (err) {
          this.rt.onBackgroundError(err);
          const missed = updates.filter((u) => u.obj[STATE].replicas?.includes(replica));
          await Promise.all(missed.map((u) => this.forgetReplica(u.obj, replica)));
          // best effort: tell it to drop them (if it cannot hear us, its reads check the metadata anyway)
          const ids = missed.map((u) => u.obj.id);
          const s = this.rt.requests.wire();
          this.rt.requests.request(replica, 'retire', [s, ids, this.rt.backendId]).catch(() => undefined);
        }
      }),
    );
  }
}

/**
 * Makes a replica's fields read-only in this process: assigning one throws (only the master writes), and arrays and
 * plain objects in them are frozen. Map and Set contents cannot be frozen; a change to them lasts until the next
 * update from the master.
 */
export function readOnlyFields(obj: DataClayObject): void {
  const { info } = obj[STATE];
  for (const field of info.fieldNames) {
    if (!Object.hasOwn(obj, field)) continue;
    const value = deepFreeze((obj as unknown as Record<string, unknown>)[field]);
    Object.defineProperty(obj, field, {
      configurable: true,
      enumerable: true,
      get: () => value,
      set: () => {
        throw new ReplicaWriteError(info.ctor.name, field, obj.id);
      },
    });
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value) || proto === Object.prototype || proto === null) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function readOnlyViolation(obj: DataClayObject, method: string): ReadOnlyViolationError {
  return new ReadOnlyViolationError(obj[STATE].info.ctor.name, method, obj.id);
}

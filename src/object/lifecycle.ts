// The object lifecycle: the only module that writes an object's state. Objects are made in a state and move by
// these named transitions (fields leave or come back with them where the transition implies it):
//
//   new ─claim→ new+claim ─ship→ claimed ─confirm→ proxy         a make-persistent that ships the objects
//                   └──────────own──────────→ owned              registered on this backend
//   claimed ─rollback→ new; owned ─disown→ new                   a make-persistent that failed
//   owned ─evict→ evicted ─loaded→ owned                         the memory budget
//   owned | evicted | replica ─toProxy→ proxy                    moved away, retired, a replica dropped
//   new | proxy | replica ─own→ owned                            created by an active method, received in a move
//   new | proxy | replica ─holdReplica→ replica                  a replica sent by its master
//   proxy ─arrived→ new                                          a later part of a persist brings what an earlier one referenced
import { randomUUID } from 'node:crypto';
import type { DataClayObject } from './dataclay-object.js';
import { dropFields, writeFields } from './locality.js';
import type { ClassInfo } from './meta.js';
import {
  claimedState,
  evictedState,
  newState,
  ownedState,
  proxyState,
  replicaState,
  STATE,
  type EvictedObject,
  type ObjectState,
  type OwnedObject,
  type Stateful,
} from './state.js';

function write<S extends ObjectState>(obj: Stateful, next: S): S {
  Reflect.set(obj, STATE, next);
  return next;
}

function attach(obj: object, state: ObjectState): void {
  Object.defineProperty(obj, STATE, { value: state, writable: true });
}

/** Instances built without running constructors: proxies, shells of stored objects, copies. */
function instance(info: ClassInfo, state: ObjectState): DataClayObject {
  const obj: DataClayObject = Object.create(info.ctor.prototype);
  attach(obj, state);
  return obj;
}

// ---- making objects

/** The state of an object under construction: new, with a fresh id. */
export function construct(obj: object, info: ClassInfo): void {
  attach(obj, newState({ id: randomUUID(), info }, undefined));
}

/** A proxy of an object owned by `backendId` (undefined: not known here). */
export function newProxy(info: ClassInfo, id: string, backendId: string | undefined): DataClayObject {
  return instance(info, proxyState({ id, info }, backendId, undefined, undefined));
}

/** An object this backend owns whose fields are still in its store. */
export function newShell(info: ClassInfo, id: string, backendId: string): DataClayObject {
  return instance(info, evictedState({ id, info }, backendId, undefined, undefined));
}

/** A new object built without its constructor (its fields are restored by the caller). */
export function blank(info: ClassInfo, id: string = randomUUID()): DataClayObject {
  return instance(info, newState({ id, info }, undefined));
}

// ---- make-persistent

/** Claims a new object for a make-persistent; false when another one holds it (or it is not new). */
export function claim(obj: Stateful, claim: Promise<void>): boolean {
  const s = obj[STATE];
  if (s.kind !== 'new' || s.claim !== undefined) return false;
  write(obj, newState(s, claim));
  return true;
}

/** The make-persistent in flight on the object, if any: operations on it wait for it. */
export function claimOf(obj: Stateful): Promise<void> | undefined {
  return obj[STATE].claim;
}

/** Ends `claim` (the make-persistent ended, persisted or not). */
export function unclaim(obj: Stateful, claim: Promise<void>): void {
  const s = obj[STATE];
  if (s.kind === 'new' && s.claim === claim) write(obj, newState(s, undefined));
}

/** The object's fields leave for `backendId`: until it confirms, a sync access throws and operations wait. */
export function ship(obj: Stateful, backendId: string, dataset: string): void {
  const s = obj[STATE];
  if (s.kind !== 'new' || s.claim === undefined) return;
  dropFields(obj);
  write(obj, claimedState(s, backendId, dataset, s.claim));
}

/** The backend registered it: a proxy now. */
export function confirm(obj: Stateful): void {
  const s = obj[STATE];
  if (s.kind === 'claimed') write(obj, proxyState(s, s.backendId, s.dataset, undefined));
}

/** The make-persistent failed: new again, its fields back, unchanged. */
export function rollback(obj: Stateful, fields: Record<string, unknown>): void {
  const s = obj[STATE];
  if (s.kind !== 'claimed') return;
  write(obj, newState(s, s.claim));
  writeFields(obj, fields);
}

// ---- owning (a backend)

/** Owned by this backend, loaded, in `dataset`, without replicas (a received object starts without). */
export function own(obj: Stateful, backendId: string, dataset: string): OwnedObject {
  return write(obj, ownedState(obj[STATE], backendId, dataset, undefined));
}

/**
 * A proxy an earlier part of a persist made (the part referenced it) is the object a later part brings: new here,
 * so its fields, or its own state hook, can be restored before it is registered.
 */
export function arrived(obj: Stateful): void {
  const s = obj[STATE];
  if (s.kind === 'proxy') write(obj, newState(s, undefined));
}

/** Undoes `own` for a registration that failed: new again, fields kept. */
export function disown(obj: Stateful): void {
  const s = obj[STATE];
  if (s.kind === 'owned') write(obj, newState(s, undefined));
}

/** The memory budget: the fields go (they are in the store); the instance stays, so references keep it. */
export function evict(obj: Stateful): void {
  const s = obj[STATE];
  if (s.kind !== 'owned') return;
  dropFields(obj);
  write(obj, evictedState(s, s.backendId, s.dataset, s.replicas));
}

/** Loaded from its record: owned again. Set before the fields are restored, so a state hook does not load again. */
export function loaded(
  obj: Stateful,
  from: EvictedObject,
  dataset: string,
  replicas: readonly string[] | undefined,
): OwnedObject {
  return write(obj, ownedState(from, from.backendId, dataset, replicas));
}

/** The master keeps these replicas up to date. */
export function setReplicas(obj: Stateful, replicas: readonly string[] | undefined): void {
  const s = obj[STATE];
  if (s.kind === 'owned') write(obj, ownedState(s, s.backendId, s.dataset, replicas));
}

/** Moved to `owner`, retired or dropped: a proxy, its fields gone from this process. */
export function toProxy(obj: Stateful, owner: string): void {
  const s = obj[STATE];
  if (!s.local || !s.registered) return;
  dropFields(obj);
  write(obj, proxyState(s, owner, s.dataset, undefined));
}

/** A read replica whose master is `master` (what the process knew of the object's replicas stays). */
export function holdReplica(obj: Stateful, master: string, dataset: string): void {
  const s = obj[STATE];
  write(obj, replicaState(s, master, dataset, s.replicas));
}

// ---- what a process learns of a proxy

/** The owner moved: a proxy's hint follows (a local object's owner is this process). */
export function redirect(obj: Stateful, owner: string): void {
  const s = obj[STATE];
  if (s.kind === 'proxy') write(obj, proxyState(s, owner, s.dataset, s.replicas));
}

export function learnReplicas(obj: Stateful, replicas: readonly string[]): void {
  const s = obj[STATE];
  if (s.kind === 'proxy') write(obj, proxyState(s, s.backendId, s.dataset, replicas));
}

export function learnDataset(obj: Stateful, dataset: string | undefined): void {
  const s = obj[STATE];
  if (dataset === undefined || s.dataset === dataset) return;
  if (s.kind === 'proxy') write(obj, proxyState(s, s.backendId, dataset, s.replicas));
  else if (s.kind === 'evicted') write(obj, evictedState(s, s.backendId, dataset, s.replicas));
}

/** What the metadata says of a proxy (its owner, replicas, dataset) or of a replica (its master's, and so on). */
export function synced(obj: Stateful, md: { master: string; replicas: readonly string[]; dataset: string }): void {
  const s = obj[STATE];
  if (s.kind === 'proxy') write(obj, proxyState(s, md.master, md.dataset, md.replicas));
  else if (s.kind === 'replica') write(obj, replicaState(s, md.master, md.dataset, md.replicas));
}

/** Fields may be written here: a new object, or one this backend owns (not a replica, not a proxy). */
export function writableHere(state: ObjectState): boolean {
  return state.local && state.kind !== 'replica';
}

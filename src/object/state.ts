// The state every DataClayObject carries under a symbol: its id and class, and where it is in its lifecycle. A
// discriminated union, so an impossible combination cannot be written; only lifecycle.ts moves an object between
// states (each state record is replaced whole, never edited: re-read obj[STATE] after a transition).
import type { ClassInfo } from './meta.js';

export const STATE = Symbol('dataclay.state');

/**
 * Every state has the same fields in the same order (unused ones undefined), so the field guards and the call
 * dispatch, which read the state on every access, see one object shape.
 */
interface Common {
  readonly id: string;
  readonly info: ClassInfo;
}

/** A new object: local, unregistered. `claim`: a make-persistent collected it and is placing it (operations wait). */
export interface NewObject extends Common {
  readonly kind: 'new';
  readonly local: true;
  readonly registered: false;
  readonly backendId: undefined;
  readonly dataset: undefined;
  readonly replicas: undefined;
  readonly claim: Promise<void> | undefined;
}

/** A make-persistent in flight: the fields have left for `backendId`, which has not confirmed yet. */
export interface ClaimedObject extends Common {
  readonly kind: 'claimed';
  readonly local: false;
  readonly registered: false;
  readonly backendId: string;
  readonly dataset: string;
  readonly replicas: undefined;
  readonly claim: Promise<void>;
}

/**
 * A registered object owned by another backend. `backendId` is a hint (a stale one is repaired by a retry;
 * undefined: ask the metadata); the dataset is known once looked up (a decoded reference does not carry it).
 */
export interface ProxyObject extends Common {
  readonly kind: 'proxy';
  readonly local: false;
  readonly registered: true;
  readonly backendId: string | undefined;
  readonly dataset: string | undefined;
  readonly replicas: readonly string[] | undefined;
  readonly claim: undefined;
}

/** Owned by this backend, its fields in memory; `replicas`: the backends it keeps up to date. */
export interface OwnedObject extends Common {
  readonly kind: 'owned';
  readonly local: true;
  readonly registered: true;
  readonly backendId: string;
  readonly dataset: string;
  readonly replicas: readonly string[] | undefined;
  readonly claim: undefined;
}

/**
 * Owned by this backend, its fields in the store until first used. Evicted, it keeps what it knew; a shell of a
 * stored object not loaded yet knows its dataset and replicas only once loaded.
 */
export interface EvictedObject extends Common {
  readonly kind: 'evicted';
  readonly local: true;
  readonly registered: true;
  readonly backendId: string;
  readonly dataset: string | undefined;
  readonly replicas: readonly string[] | undefined;
  readonly claim: undefined;
}

/** A read replica held by this backend, its fields read-only here; `backendId` is its master. */
export interface ReplicaObject extends Common {
  readonly kind: 'replica';
  readonly local: true;
  readonly registered: true;
  readonly backendId: string;
  readonly dataset: string;
  /** The master's replicas, as last known here. */
  readonly replicas: readonly string[] | undefined;
  readonly claim: undefined;
}

export type ObjectState = NewObject | ClaimedObject | ProxyObject | OwnedObject | EvictedObject | ReplicaObject;

export interface Stateful {
  readonly [STATE]: ObjectState;
}

// The record of each state, built only here: the same fields in the same order (one object shape). They make
// records; only lifecycle.ts puts one on an object.

type Base = Pick<ObjectState, 'id' | 'info'>;

export function newState({ id, info }: Base, claim: Promise<void> | undefined): NewObject {
  return {
    kind: 'new',
    id,
    info,
    local: true,
    registered: false,
    backendId: undefined,
    dataset: undefined,
    replicas: undefined,
    claim,
  };
}

export function proxyState(
  { id, info }: Base,
  backendId: string | undefined,
  dataset: string | undefined,
  replicas: readonly string[] | undefined,
): ProxyObject {
  return { kind: 'proxy', id, info, local: false, registered: true, backendId, dataset, replicas, claim: undefined };
}

export function ownedState(
  { id, info }: Base,
  backendId: string,
  dataset: string,
  replicas: readonly string[] | undefined,
): OwnedObject {
  return { kind: 'owned', id, info, local: true, registered: true, backendId, dataset, replicas, claim: undefined };
}

export function evictedState(
  { id, info }: Base,
  backendId: string,
  dataset: string | undefined,
  replicas: readonly string[] | undefined,
): EvictedObject {
  return { kind: 'evicted', id, info, local: true, registered: true, backendId, dataset, replicas, claim: undefined };
}

export function replicaState(
  { id, info }: Base,
  backendId: string,
  dataset: string,
  replicas: readonly string[] | undefined,
): ReplicaObject {
  return { kind: 'replica', id, info, local: true, registered: true, backendId, dataset, replicas, claim: undefined };
}

export function claimedState(
  { id, info }: Base,
  backendId: string,
  dataset: string,
  claim: Promise<void>,
): ClaimedObject {
  return { kind: 'claimed', id, info, local: false, registered: false, backendId, dataset, replicas: undefined, claim };
}

// The runtime state every DataClayObject carries under a symbol: identity, registration and where it lives.
import type { ClassInfo } from './meta.js';

export const STATE = Symbol('dataclay.state');

export interface ObjectState {
  readonly id: string;
  readonly info: ClassInfo;
  /** Registered in the metadata store (made persistent). */
  registered: boolean;
  /** Owned by this process: unregistered, or owned by this backend. Its fields are here, or loadable at once. */
  local: boolean;
  /** A local object's fields are in memory (false: evicted to the backend's store, reloaded on first access). */
  loaded: boolean;
  /** The backend that owns it, as last known here (a hint: a stale one is repaired by a retry). */
  backendId: string | undefined;
  dataset: string | undefined;
  /** This process holds a read replica of the object (whose master is `backendId`). */
  replica?: boolean;
  /** Backends holding replicas, as last known here. */
  replicas?: string[];
  /** Set while a makePersistent that includes this object is in flight: operations wait for it. */
  persisting?: Promise<void>;
}

export interface Stateful {
  [STATE]: ObjectState;
}

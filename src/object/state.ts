// The runtime state every DataClayObject carries under a symbol: identity, registration and where it lives.
import type { ClassInfo } from './meta.js';

export const STATE = Symbol('dataclay.state');

export interface ObjectState {
  readonly id: string;
  readonly info: ClassInfo;
  /** Registered in the metadata store (made persistent). */
  registered: boolean;
  /** Its fields are in this process's memory: unregistered, or owned by this backend. */
  local: boolean;
  /** The backend that owns it, as last known here (a hint: a stale one is repaired by a retry). */
  backendId: string | undefined;
  dataset: string | undefined;
}

export interface Stateful { [STATE]: ObjectState }

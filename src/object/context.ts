// The calling context: who calls, in which dataset, with which deadline, in which call chain. Carried by
// AsyncLocalStorage in-process and by every request on the wire, so it follows nested calls across backends.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { DataClayObject } from './dataclay-object.js';

export interface Session {
  username: string;
  dataset: string;
}

/** Per-context options of the remote operations made under it. */
export interface CallOptions {
  /** Overrides the client's timeout for every request made in this context. */
  timeoutMs?: number;
  /** Aborts every request made in this context (they reject with AbortedError). */
  signal?: AbortSignal;
}

export interface RequestContext extends Session, CallOptions {
  /** The call chain a request belongs to: exclusive methods let the same chain re-enter (A → B → A). */
  chain?: string;
  /** On a backend: objects the request created, and objects it changed or whose active methods ran in place. */
  created?: DataClayObject[];
  touched?: Set<DataClayObject>;
  /** On a backend: the object the request runs on, kept in memory (pinned) until the reply is on disk. */
  pinned?: string;
  /** On a backend: the active method the request runs, named by the fault log for code it leaves behind. */
  method?: string;
  /**
   * On a backend: objects the dataset check found in neither the metadata nor this backend. The request answers as
   * if they do not exist, whatever a later read finds: that read was not checked (security/authorizer.ts).
   */
  unknown?: Set<string>;
  /** On a backend: sent by an admin (the `a` space), whose operations need no grant on the objects' datasets. */
  operator?: boolean;
}

export const sessionStorage = new AsyncLocalStorage<RequestContext>();

export function newChain(): string {
  return randomUUID();
}

// The calling context: who calls, in which dataset, with which deadline, in which call chain. Carried by
// AsyncLocalStorage in-process and by every request on the wire, so it follows nested calls across backends.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { WireSession } from '../messaging/protocol.js';
import type { DataClayObject } from '../object/dataclay-object.js';

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
  /** On a backend: objects the request created, and objects whose active methods ran in place. */
  created?: DataClayObject[];
  touched?: Set<DataClayObject>;
}

export const sessionStorage = new AsyncLocalStorage<RequestContext>();

export function newChain(): string {
  return randomUUID();
}

/** What a request carries: a request that starts a call chain starts a new one. */
export function toWire(ctx: RequestContext): WireSession {
  return [ctx.username, ctx.dataset, ctx.chain ?? newChain()];
}

export function fromWire(w: unknown): RequestContext {
  if (Array.isArray(w) && typeof w[0] === 'string' && typeof w[1] === 'string') {
    return {
      username: w[0],
      dataset: w[1],
      chain: typeof w[2] === 'string' ? w[2] : undefined,
      created: [],
      touched: new Set(),
    };
  }
  throw new TypeError('request without a valid session');
}

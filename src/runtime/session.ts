// Who is calling and in which dataset: carried by AsyncLocalStorage in-process and by every request on the wire.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { WireSession } from '../messaging/protocol.js';

export interface Session { username: string; dataset: string }

/** What a backend keeps per request: the caller's session, and what the request created or ran methods on. */
export interface RequestContext extends Session {
  created?: import('../object/dataclay-object.js').DataClayObject[];
  touched?: Set<import('../object/dataclay-object.js').DataClayObject>;
}

export const sessionStorage = new AsyncLocalStorage<RequestContext>();

export function toWire(s: Session): WireSession {
  return [s.username, s.dataset];
}

export function fromWire(w: unknown): RequestContext {
  if (Array.isArray(w) && typeof w[0] === 'string' && typeof w[1] === 'string') return { username: w[0], dataset: w[1], created: [], touched: new Set() };
  throw new TypeError('request without a valid session');
}

// The caller's session as every request carries it, [username, dataset, call chain], and its shape check.
import { newChain, type RequestContext } from '../object/context.js';
import { keyName, optional, string, tuple, type Shape } from './shape.js';

/** [username, dataset, call chain] */
export type WireSession = [username: string, dataset: string, chain?: string];

export const session: Shape<WireSession> = tuple<WireSession>(
  ['username', string],
  ['dataset', keyName],
  ['chain', optional(string)],
);

/** What a request carries: a request that starts a call chain starts a new one. */
export function toWire(ctx: RequestContext): WireSession {
  return [ctx.username, ctx.dataset, ctx.chain ?? newChain()];
}

/** The context a request runs in on the backend, with what it will create and touch. */
export function fromWire([username, dataset, chain]: WireSession): RequestContext {
  return { username, dataset, chain, created: [], touched: new Set() };
}

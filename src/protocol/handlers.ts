// The one way an operation is served: decode the request, check its shape, enter the caller's context, run the
// handler, answer. Handlers see a typed request and return a typed reply; none repeats that prologue.
import { ProtocolError } from '../errors.js';
import type { Handler } from '../messaging/rpc.js';
import { sessionStorage, type RequestContext } from '../object/context.js';
import { decode, type RefResolver } from '../serialization/codec.js';
import type { OperationTable, OpTypes, SessionCarrier } from './operation.js';
import { fromWire, type WireSession } from './session.js';
import { assertShape } from './shape.js';

export type Handlers<M extends Record<keyof M, OpTypes>> = {
  readonly [K in keyof M]: (request: M[K]['request'], ctx: RequestContext) => M[K]['reply'] | Promise<M[K]['reply']>;
};

export interface Answering {
  /** Turns references in requests that carry them into this process's objects. */
  resolver: RefResolver;
  /** Encodes a handler's reply, in the caller's context (a backend first puts the request's changes on disk). */
  answer(value: unknown, ctx: RequestContext): Uint8Array | Promise<Uint8Array>;
  /** Runs when the handler or the answer failed, before `finish` (a backend rolls the request's changes back). */
  fail?(ctx: RequestContext): void;
  /** Runs once the request is answered or failed (a backend unpins the object it ran on). */
  finish?(ctx: RequestContext): void;
}

type Served = (data: Uint8Array) => Promise<Uint8Array>;

/**
 * The handler of every `<prefix>.<op>` subject of a table of operations. An unknown operation, an undecodable or
 * malformed request is a ProtocolError naming the operation (and the bad part), answered like any other error.
 */
export function serveOperations<M extends Record<keyof M, OpTypes>>(
  prefix: string,
  ops: OperationTable<M>,
  handlers: Handlers<M>,
  answering: Answering,
): Handler {
  const byName = new Map<string, Served>();
  const bind = <K extends keyof M & string>(name: K): Served => {
    const op = ops[name];
    const handle = handlers[name];
    const resolver = op.refs ? answering.resolver : undefined;
    return async (data) => {
      const request = decodeRequest(name, data, resolver);
      assertShape(name, op.shape, request);
      const ctx = fromWire(sessionOf(request));
      return sessionStorage.run(ctx, async () => {
        try {
          const bytes = answering.answer(await handle(request, ctx), ctx);
          return bytes instanceof Promise ? await bytes : bytes; // no extra turn for a reply encoded at once
        } catch (err) {
          answering.fail?.(ctx);
          throw err;
        } finally {
          answering.finish?.(ctx);
        }
      });
    };
  };
  for (const name of Object.keys(ops)) byName.set(name, bind(name as keyof M & string));
  const start = prefix.length + 1;
  return (data, subject) => {
    const name = subject.slice(start);
    const served = byName.get(name);
    if (!served) return Promise.reject(new ProtocolError(`unknown operation '${name}'`, { operation: name }));
    return served(data);
  };
}

function decodeRequest(operation: string, data: Uint8Array, resolver: RefResolver | undefined): unknown {
  try {
    return decode(data, resolver);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err; // a resolver's error (an unknown class...) is the caller's answer
    throw new ProtocolError(`${operation}: ${err.message}`, { operation, part: 'message' }, { cause: err });
  }
}

function sessionOf(request: SessionCarrier): WireSession {
  return Array.isArray(request) ? request[0] : request.s;
}

// The one way an operation is served: check that the caller's space carries it, decode the request, check its
// shape, enter the caller's context (its user taken from the subject, never from the request), run the handler,
// answer. Handlers see a typed request and return a typed reply; none repeats that prologue.
import { PermissionDeniedError, ProtocolError } from '../errors.js';
import type { Handler } from '../messaging/rpc.js';
import type { Incoming, Space } from '../messaging/subjects.js';
import { sessionStorage, type RequestContext } from '../object/context.js';
import { served as traceServed } from '../observe/spans.js';
import { decode, type RefResolver } from '../serialization/codec.js';
import { type OperationTable, type OpTypes, type SessionCarrier, SPACE_ROLE } from './operation.js';
import { fromWire, type WireSession } from './session.js';
import { assertShape } from './shape.js';

export type Handlers<M extends Record<keyof M, OpTypes>> = {
  readonly [K in keyof M]: (request: M[K]['request'], ctx: RequestContext) => M[K]['reply'] | Promise<M[K]['reply']>;
};

export interface Answering {
  /** Turns references in requests that carry them into this process's objects. */
  resolver: RefResolver;
  /**
   * Checks the references of a request from a user or an admin before it is decoded (a forged one names a class
   * its object does not have): undefined when there is nothing to wait for.
   */
  vetRefs?(data: Uint8Array): Promise<void> | undefined;
  /** Encodes a handler's reply, in the caller's context (a backend first puts the request's changes on disk). */
  answer(value: unknown, ctx: RequestContext): Uint8Array | Promise<Uint8Array>;
  /** Runs when the handler or the answer failed, before `finish` (a backend rolls the request's changes back). */
  fail?(ctx: RequestContext): void;
  /** Runs once the request is answered or failed (a backend unpins the object it ran on). */
  finish?(ctx: RequestContext): void;
}

/** May the caller (its user and context) make this request? Throws PermissionDeniedError if not. */
export type Authorize<M extends Record<keyof M, OpTypes>> = <K extends keyof M & string>(
  op: K,
  request: M[K]['request'],
  ctx: RequestContext,
  incoming: Incoming,
) => void | Promise<void>;

type Served = (data: Uint8Array, incoming: Incoming) => Promise<Uint8Array>;

const SENDERS: Readonly<Record<Space, string>> = { u: 'users', a: 'admins', b: 'backends' };

/**
 * The handler of every operation of a table. An operation the caller's space does not carry (a user's `retire`, a
 * user's `stop` in the user space) is a PermissionDeniedError; an unknown operation, an undecodable or malformed
 * request is a ProtocolError naming the operation (and the bad part); both are answered like any other error.
 */
export function serveOperations<M extends Record<keyof M, OpTypes>>(
  ops: OperationTable<M>,
  handlers: Handlers<M>,
  answering: Answering,
  authorize?: Authorize<M>,
): Handler {
  const byName = new Map<string, Served>();
  const bind = <K extends keyof M & string>(name: K): Served => {
    const op = ops[name];
    const handle = handlers[name];
    const resolver = op.refs ? answering.resolver : undefined;
    const spaces = new Set((Object.keys(SPACE_ROLE) as Space[]).filter((sp) => op.roles.includes(SPACE_ROLE[sp])));
    return async (data, incoming) => {
      const { space, user } = incoming;
      if (!spaces.has(space)) {
        throw new PermissionDeniedError(name, `${SENDERS[space]} may not send it (sent by ${user})`, { user });
      }
      if (resolver && space !== 'b') {
        const vetting = answering.vetRefs?.(data); // a backend sends references it decoded itself
        if (vetting) await vetting;
      }
      const request = decodeRequest(name, data, resolver);
      assertShape(name, op.shape, request);
      const ctx = fromWire(sessionOf(request));
      // users and admins are who the server let publish; a backend vouches for the user it names, consistently
      if (space === 'a') ctx.operator = true;
      if (space !== 'b') ctx.username = user;
      else if (ctx.username !== user) {
        throw new PermissionDeniedError(name, `the session names ${ctx.username}, the subject ${user}`, { user });
      }
      const checked = authorize?.(name, request, ctx, incoming);
      if (checked) await checked;
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
  return (data, incoming, headers) => {
    const served = byName.get(incoming.op);
    if (!served) {
      return Promise.reject(new ProtocolError(`unknown operation '${incoming.op}'`, { operation: incoming.op }));
    }
    const service = incoming.backendId === undefined ? 'Metadata' : 'Backend';
    return traceServed(service, incoming.op, incoming.backendId, headers, () => served(data, incoming));
  };
}

/**
 * Whether a backend answered that it does not know `operation`: one of an older build, asked for a newer one (it
 * did nothing of that request).
 */
export function isUnknownOperation(err: unknown, operation: string): boolean {
  return err instanceof ProtocolError && err.data.operation === operation && /^unknown operation /.test(err.message);
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

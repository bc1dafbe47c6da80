// What one wire operation is, declared once: its request and reply types, the shape check of its request, who may
// call it, and whether retrying it is safe. Callers and handlers take their types from here, never from a cast.
import type { Space } from '../messaging/subjects.js';
import type { Shape } from './shape.js';
import type { WireSession } from './session.js';

/**
 * Who may send an operation, by the subject space it arrives in (the server decides who may publish there):
 * `client` the user space (every user, admins included), `admin` the admin space, `backend` the backend space.
 * A backend serves an operation only from the spaces of its roles (protocol/handlers.ts).
 */
export type Role = 'client' | 'backend' | 'admin';

/** Every request carries the caller's session: first in a tuple, as `s` in a record. */
export type SessionCarrier = [WireSession, ...unknown[]] | { s: WireSession };

declare const replyType: unique symbol;

export interface Operation<Q extends SessionCarrier, R> {
  readonly shape: Shape<Q>;
  readonly roles: readonly Role[];
  /** Safe to send again when the reply is lost: applying it twice is the same as once. */
  readonly idempotent: boolean;
  /**
   * The request carries values that may reference objects: the sender persists the unregistered ones first (they
   * travel by reference only) and the receiver decodes the references into its objects.
   */
  readonly refs: boolean;
  /** Phantom: the reply's type. */
  readonly [replyType]?: R;
}

export function operation<Q extends SessionCarrier, R>(declaration: {
  shape: Shape<Q>;
  roles: readonly Role[];
  idempotent: boolean;
  refs?: boolean;
}): Operation<Q, R> {
  return { refs: false, ...declaration };
}

export type AnyOperation = Operation<SessionCarrier, unknown>;
export type RequestOf<O> = O extends Operation<infer Q, unknown> ? Q : never;
export type ReplyOf<O> = O extends Operation<SessionCarrier, infer R> ? R : never;

/** Request and reply types by operation name, derived from a table of operations. */
export type TypesOf<T extends Record<string, AnyOperation>> = {
  [K in keyof T]: { request: RequestOf<T[K]>; reply: ReplyOf<T[K]> };
};

export interface OpTypes {
  request: SessionCarrier;
  reply: unknown;
}

/** A table of operations typed by name: indexing it with a generic name keeps the request and reply correlated. */
export type OperationTable<M extends Record<keyof M, OpTypes>> = {
  readonly [K in keyof M]: Operation<M[K]['request'], M[K]['reply']>;
};

/** The role whose operations each subject space carries: what the server lets publish there is that role. */
export const SPACE_ROLE: Readonly<Record<Space, Role>> = { u: 'client', a: 'admin', b: 'backend' };

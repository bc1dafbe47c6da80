// Replies on the wire: [0, value] or [1, {name, message, data}], rebuilt on the caller into the exported classes.
import {
  DataClayError,
  ObjectMovedError,
  ProtocolError,
  WrongBackendError,
  errorClasses,
  type ErrorData,
} from '../errors.js';
import { decode, encode, type EncodeSink, type RefResolver } from '../serialization/codec.js';
import { remoteErrorOf, safeString } from './user-errors.js';

export { safeString };

export interface WireError {
  name: string;
  message: string;
  data: ErrorData;
}

type Reply = [0, unknown] | [1, WireError];

/**
 * Runs user code (an active method, a state hook): whatever it throws that is not one of ours becomes a RemoteError
 * keeping its name, message and stack. A "wrong backend" about another object is not the caller's to act on.
 */
export function userCode<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn().catch(asUserError);
  } catch (err) {
    return Promise.reject(asUserError(err));
  }
}

function asUserError(err: unknown): never {
  if (err instanceof WrongBackendError) throw new ObjectMovedError(err.data.objectId, err.data.owner, { cause: err });
  if (err instanceof DataClayError) throw err;
  throw remoteErrorOf(err);
}

/** A fault of ours (not user code) that is not a DataClayError keeps its message, not its class. */
export function toWireError(err: unknown): WireError {
  if (err instanceof DataClayError) return { name: err.name, message: err.message, data: err.data };
  const message = err instanceof Error ? `${safeString(err.name)}: ${safeString(err.message)}` : safeString(err);
  return { name: 'DataClayError', message, data: {} };
}

export function fromWireError(wire: WireError): DataClayError {
  const name = typeof wire?.name === 'string' ? wire.name : '';
  const cls = Object.hasOwn(errorClasses, name) ? errorClasses[name] : DataClayError;
  return Reflect.construct(DataClayError, [safeString(wire?.message), wire?.data ?? {}], cls) as DataClayError;
}

export function encodeOk(value: unknown, onObject?: EncodeSink, what = 'result'): Uint8Array {
  return encode([0, value] satisfies Reply, onObject, what, value);
}

const LAST_RESORT = encode([
  1,
  { name: 'DataClayError', message: 'the error could not be encoded', data: {} },
] satisfies Reply);

/** Never throws: an error whose data cannot travel loses its data, then its message, never the reply. */
export function encodeError(err: unknown): Uint8Array {
  try {
    return encode([1, toWireError(err)] satisfies Reply);
  } catch {
    try {
      const wire = toWireError(err);
      return encode([1, { name: wire.name, message: wire.message, data: {} }] satisfies Reply);
    } catch {
      return LAST_RESORT;
    }
  }
}

/** The value of a reply, or the rebuilt error thrown. */
export function readReply<T>(bytes: Uint8Array, resolve?: RefResolver): T {
  const reply = decode<Reply>(bytes, resolve);
  if (!Array.isArray(reply) || (reply[0] !== 0 && reply[0] !== 1)) {
    throw new ProtocolError('malformed reply: expected [0, value] or [1, error]', { part: 'reply' });
  }
  if (reply[0] === 1) throw fromWireError(reply[1]);
  return reply[1] as T;
}

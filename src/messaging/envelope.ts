// Replies on the wire: [0, value] or [1, {name, message, data}], rebuilt on the caller into the exported classes.
import { DataClayError, RemoteError, errorClasses, type ErrorData } from '../errors.js';
import { decode, encode, type EncodeSink, type RefResolver } from '../serialization/codec.js';

export interface WireError { name: string; message: string; data: ErrorData }

type Reply = [0, unknown] | [1, WireError];

export function toWireError(err: unknown): WireError {
  if (err instanceof DataClayError) return { name: err.name, message: err.message, data: err.data };
  const e = err instanceof Error ? err : new Error(String(err));
  const remote = new RemoteError(e.name, e.message, e.stack);
  return { name: remote.name, message: remote.message, data: remote.data };
}

export function fromWireError(wire: WireError): DataClayError {
  const cls = errorClasses[wire.name] ?? DataClayError;
  return Reflect.construct(DataClayError, [wire.message, wire.data ?? {}], cls) as DataClayError;
}

export function encodeOk(value: unknown, onObject?: EncodeSink, what = 'result'): Uint8Array {
  return encode([0, value] satisfies Reply, onObject, what, value);
}

export function encodeError(err: unknown): Uint8Array {
  try {
    return encode([1, toWireError(err)] satisfies Reply);
  } catch {
    // data that cannot travel (a user value in an error's fields): keep the name and message
    const e = err instanceof Error ? err : new Error(String(err));
    return encode([1, { name: 'DataClayError', message: `${e.name}: ${e.message}`, data: {} }] satisfies Reply);
  }
}

/** The value of a reply, or the rebuilt error thrown. */
export function readReply<T>(bytes: Uint8Array, resolve?: RefResolver): T {
  const reply = decode<Reply>(bytes, resolve);
  if (!Array.isArray(reply) || (reply[0] !== 0 && reply[0] !== 1)) {
    throw new DataClayError('malformed reply', { reply: String(reply) });
  }
  if (reply[0] === 1) throw fromWireError(reply[1]);
  return reply[1] as T;
}

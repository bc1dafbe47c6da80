// What a user's exception becomes on the wire: a RemoteError with the class name the user gave it (a subclass of
// Error that never set `name` still says `InsufficientFunds`, not `Error`), its message, stack, and those of its own
// enumerable fields that can travel (a function, an unregistered object: left out, the rest arrives).
import { RemoteError } from '../errors.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { encode } from '../serialization/codec.js';

/** String(x) that cannot throw (a thrown `Object.create(null)` has no toString). */
export function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

const OWN = new Set(['name', 'message', 'stack', 'cause']);

export function remoteErrorOf(err: unknown): RemoteError {
  if (!(err instanceof Error)) return new RemoteError('Error', safeString(err));
  return new RemoteError(remoteName(err), safeString(err.message), safeString(err.stack), travelling(err));
}

/** The class name, unless the class (or the instance) says otherwise with its own `name`. */
function remoteName(err: Error): string {
  try {
    const ctor = err.constructor;
    const named = Object.hasOwn(err, 'name') || typeof ctor !== 'function' || Object.hasOwn(ctor.prototype, 'name');
    if (!named && ctor.name) return ctor.name;
  } catch {
    // a hostile prototype: its `name` as it reads
  }
  return safeString(err.name);
}

function travelling(err: Error): Record<string, unknown> | undefined {
  const fields: Record<string, unknown> = {};
  let any = false;
  let keys: string[];
  try {
    keys = Object.keys(err);
  } catch {
    return undefined;
  }
  for (const key of keys) {
    if (OWN.has(key)) continue;
    try {
      const value = (err as unknown as Record<string, unknown>)[key];
      encode(value, refuseUnregistered);
      fields[key] = value;
      any = true;
    } catch {
      // cannot travel: left out
    }
  }
  return any ? fields : undefined;
}

function refuseUnregistered(obj: DataClayObject): void {
  if (!obj.isRegistered) throw new Error('an unregistered object travels only by a request that persists it');
}

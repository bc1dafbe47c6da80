// msgpack (msgpackr) for every value on the wire. Persistent objects inside a value travel as references
// (extension type 1: [id, class name, backend hint]), never inline; the caller decides what a reference means.
import { Packr, addExtension } from 'msgpackr';
import { DataClayError, ProtocolError, UnserializableError } from '../errors.js';
import { DataClayObject } from '../object/dataclay-object.js';
import { isBackendHint, isObjectId } from '../object/object-id.js';
import { STATE } from '../object/state.js';
import { findTooDeep, findUnencodable } from './encodable.js';
import './errors-by-value.js'; // errors as values keep their class and fields

/** Told of every persistent object met while encoding (to persist the unregistered ones, or ship their state). */
export type EncodeSink = (obj: DataClayObject) => void;

/** Turns a decoded reference into the live object of this process (identity map, heap or a new proxy). */
export type RefResolver = (id: string, className: string, backendHint: string | null) => DataClayObject;

export type WireRef = [id: string, className: string, backendHint: string | null];

const REF_EXTENSION = 1;

class Refused extends Error {}

// Records (not plain msgpack maps) for objects, so a msgpack map can only be a Map and decodes back as one.
// Every object that reaches the record writer must be plain: an instance of an unknown class is refused rather
// than silently sent as `{}`-like data without its prototype; so are functions (no toJSON shortcuts either).
const packr = new Packr({
  mapsAsObjects: false,
  moreTypes: true,
  useToJSON: false,
  copyBuffers: true, // decoded bytes must not alias (and pin) the buffer they came in
  useRecords: (obj: object) => {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) throw new Refused();
    return true;
  },
  writeFunction: () => {
    throw new Refused();
  },
} as ConstructorParameters<typeof Packr>[0]);

let sink: EncodeSink | undefined;
let resolver: RefResolver | undefined;
let hints = true;

addExtension({
  Class: DataClayObject,
  type: REF_EXTENSION,
  write(obj: DataClayObject): WireRef {
    sink?.(obj);
    const state = obj[STATE];
    return [state.id, state.info.name, hints ? (state.backendId ?? null) : null];
  },
  read([id, className, hint]: WireRef): DataClayObject {
    if (!resolver) throw new ProtocolError(`object reference ${id} decoded where none is expected`);
    // what a reference names becomes part of subjects and keys: a forged one must not name a wildcard
    if (!isObjectId(id) || typeof className !== 'string' || !isBackendHint(hint))
      throw new ProtocolError('an object reference is malformed');
    return resolver(id, className, hint);
  },
});

/**
 * Encodes a value. A value that cannot travel throws UnserializableError with the path to the culprit, starting at
 * `what` (its name for the user) and searched in `focus` (the user's part of the message; the whole value if absent).
 */
export function encode(value: unknown, onObject?: EncodeSink, what = 'value', focus: unknown = value): Uint8Array {
  const previous = sink;
  sink = onObject;
  try {
    return packr.pack(value);
  } catch (err) {
    if (err instanceof DataClayError) throw err;
    const found = err instanceof RangeError ? findTooDeep(focus, what) : findUnencodable(focus, what);
    if (found) throw new UnserializableError(found.path, found.reason, { cause: err });
    throw new UnserializableError(what, (err as Error).message, { cause: err });
  } finally {
    sink = previous;
  }
}

/**
 * Encodes an object's state as stored and compared: references without owner hints, which go stale when objects
 * move and would make an unchanged state look changed.
 */
export function encodeState(value: unknown, onObject?: EncodeSink, what = 'value'): Uint8Array {
  hints = false;
  try {
    return encode(value, onObject, what);
  } finally {
    hints = true;
  }
}

export function decode<T = unknown>(bytes: Uint8Array, resolve?: RefResolver): T {
  const previous = resolver;
  resolver = resolve;
  try {
    return packr.unpack(bytes) as T;
  } catch (err) {
    if (err instanceof DataClayError) throw err; // from a reference or value class resolver: ClassNotFoundError...
    throw new ProtocolError(`undecodable message: ${(err as Error).message}`, {}, { cause: err });
  } finally {
    resolver = previous;
  }
}

/**
 * Whether the bytes may hold a reference: a byte pair that can begin one (an extension header of type 1). Most
 * messages hold none, and are not decoded a second time to find out. A false alarm only costs that decode.
 */
function mayHoldRefs(bytes: Uint8Array): boolean {
  // the type byte found natively (large payloads of bytes), then the header before it
  for (let i = bytes.indexOf(REF_EXTENSION, 1); i !== -1; i = bytes.indexOf(REF_EXTENSION, i + 1)) {
    const before = bytes[i - 1];
    if (before >= 0xd4 && before <= 0xd8) return true; // fixext
    if (bytes[i - 2] === 0xc7 || bytes[i - 3] === 0xc8 || bytes[i - 5] === 0xc9) return true; // ext 8, 16, 32
  }
  return false;
}

/**
 * The references in a message, as written (nothing resolved): what a receiver checks before it decodes the message
 * for real. A message this look cannot decode is refused (ProtocolError): its references past the fault would go
 * unchecked, and the look is not the real decode (a value class's setters see a placeholder for a reference).
 */
export function refsIn(bytes: Uint8Array): WireRef[] {
  if (!mayHoldRefs(bytes)) return [];
  const found: WireRef[] = [];
  decode(bytes, (id, className, hint) => {
    found.push([id, className, hint]);
    return NOTHING;
  });
  return found;
}

/** What a reference decodes to while refsIn only looks. */
const NOTHING = Object.freeze({}) as DataClayObject;

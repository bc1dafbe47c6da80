// msgpack (msgpackr) for every value on the wire. Persistent objects inside a value travel as references
// (extension type 1: [id, class name, backend hint]), never inline; the caller decides what a reference means.
import { Packr, addExtension } from 'msgpackr';
import { ProtocolError } from '../errors.js';
import { DataClayObject } from '../object/dataclay-object.js';
import { STATE } from '../object/state.js';

/** Told of every persistent object met while encoding (to persist the unregistered ones, or ship their state). */
export type EncodeSink = (obj: DataClayObject) => void;

/** Turns a decoded reference into the live object of this process (identity map, heap or a new proxy). */
export type RefResolver = (id: string, className: string, backendHint: string | null) => DataClayObject;

export type WireRef = [id: string, className: string, backendHint: string | null];

const REF_EXTENSION = 1;

// Records (not plain msgpack maps) for objects, so a msgpack map can only be a Map and decodes back as one.
const packr = new Packr({ useRecords: true, mapsAsObjects: false, moreTypes: true });

let sink: EncodeSink | undefined;
let resolver: RefResolver | undefined;

addExtension({
  Class: DataClayObject,
  type: REF_EXTENSION,
  write(obj: DataClayObject): WireRef {
    sink?.(obj);
    const state = obj[STATE];
    return [state.id, state.info.name, state.backendId ?? null];
  },
  read([id, className, hint]: WireRef): DataClayObject {
    if (!resolver) throw new ProtocolError(`object reference ${id} decoded where none is expected`);
    return resolver(id, className, hint);
  },
});

export function encode(value: unknown, onObject?: EncodeSink): Uint8Array {
  const previous = sink;
  sink = onObject;
  try {
    return packr.pack(value);
  } finally {
    sink = previous;
  }
}

export function decode<T = unknown>(bytes: Uint8Array, resolve?: RefResolver): T {
  const previous = resolver;
  resolver = resolve;
  try {
    return packr.unpack(bytes) as T;
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError(`undecodable message: ${(err as Error).message}`, {}, { cause: err });
  } finally {
    resolver = previous;
  }
}

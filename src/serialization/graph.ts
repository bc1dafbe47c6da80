// The unit of work of make-persistent: every unregistered object reachable from a root, each with its state
// encoded (references to other objects by id), depth of the graph and cycles included.
import { captureState } from '../object/object-state.js';
import { STATE } from '../object/state.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { decode, encode } from './codec.js';

/** One object's state as shipped to a backend: [id, class name, state bytes]; the bytes are what it keeps. */
export type WireRecord = [id: string, className: string, state: Uint8Array];

export interface PersistBatch { records: WireRecord[]; objects: DataClayObject[] }

/** Collects the unregistered objects reachable from `roots` (through fields, arrays, maps...) in one batch. */
export function collectUnregistered(roots: Iterable<DataClayObject>): PersistBatch {
  const objects: DataClayObject[] = [];
  const seen = new Set<DataClayObject>();
  const visit = (obj: DataClayObject) => {
    if (!obj[STATE].registered && !seen.has(obj)) {
      seen.add(obj);
      objects.push(obj);
    }
  };
  for (const root of roots) visit(root);
  const records: WireRecord[] = [];
  // `objects` grows while we encode: each state's encoding reports the objects it references.
  for (let i = 0; i < objects.length; i++) {
    const obj = objects[i];
    records.push([obj.id, obj.className, encode(captureState(obj), visit, obj[STATE].info.ctor.name)]);
  }
  return { records, objects };
}

/** A deep copy through the codec: values are copied, persistent objects met inside stay the same objects. */
export function deepCopy<T>(value: T): T {
  const met = new Map<string, DataClayObject>();
  const bytes = encode(value, (o) => void met.set(o.id, o));
  return decode<T>(bytes, (id) => met.get(id)!);
}

// The unit of work of make-persistent: every unregistered object reachable from a root, each with its state
// encoded (references to other objects by id), depth of the graph and cycles included.
import { readFields } from '../object/locality.js';
import { STATE } from '../object/state.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { encode } from './codec.js';

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
    records.push([obj.id, obj.className, encode(readFields(obj), visit)]);
  }
  return { records, objects };
}

// The unit of work of make-persistent: every unregistered object reachable from a root, each with its state
// encoded (references to other objects by id), depth of the graph and cycles included.
import { captureState } from '../object/object-state.js';
import { claim as claimObject, claimOf, unclaim } from '../object/lifecycle.js';
import { STATE } from '../object/state.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { decode, encode } from './codec.js';

/** One object's state as shipped to a backend: [id, class name, state bytes]; the bytes are what it keeps. */
export type WireRecord = [id: string, className: string, state: Uint8Array];

export interface PersistBatch {
  records: WireRecord[];
  /** The objects this batch claimed: until `release`, any other operation on them waits (their `persisting`). */
  objects: DataClayObject[];
  /** Reachable objects already claimed by another operation: this one waits for them. */
  inFlight: Promise<void>[];
  /** Ends the claim, persisted or not; always called, once. */
  release(): void;
}

/**
 * Collects, and claims, the unregistered objects reachable from `roots` (through fields, arrays, maps...) in one
 * batch. Claiming is synchronous, so two operations racing on the same objects never both ship one.
 */
export function collectUnregistered(roots: Iterable<DataClayObject>): PersistBatch {
  const objects: DataClayObject[] = [];
  const inFlight: Promise<void>[] = [];
  let release!: () => void;
  const claim = new Promise<void>((resolve) => (release = resolve));
  const seen = new Set<DataClayObject>();
  const visit = (obj: DataClayObject) => {
    if (obj[STATE].registered || seen.has(obj)) return;
    seen.add(obj);
    const other = claimOf(obj);
    if (other) inFlight.push(other);
    else if (claimObject(obj, claim)) objects.push(obj);
  };
  for (const root of roots) visit(root);
  const done = () => {
    for (const o of objects) unclaim(o, claim);
    release();
  };
  const records: WireRecord[] = [];
  try {
    // `objects` grows while we encode: each state's encoding reports the objects it references.
    for (let i = 0; i < objects.length; i++) {
      const obj = objects[i];
      records.push([obj.id, obj.className, encode(captureState(obj), visit, obj[STATE].info.ctor.name)]);
    }
  } catch (err) {
    done();
    throw err;
  }
  return { records, objects, inFlight, release: done };
}

/** A deep copy through the codec: values are copied, persistent objects met inside stay the same objects. */
export function deepCopy<T>(value: T): T {
  const met = new Map<string, DataClayObject>();
  const bytes = encode(value, (o) => void met.set(o.id, o));
  return decode<T>(bytes, (id) => met.get(id)!);
}

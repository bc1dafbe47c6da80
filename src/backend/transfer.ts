// Moving (and replicating) objects between backends: which objects go (a traversal of the reference graph from
// the roots, over this backend's objects), and their state, shipped backend to backend in one batch per source.
import { shapeOf } from '../object/evolution.js';
import { STATE } from '../object/state.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { captureState } from '../object/object-state.js';
import type { TransferRecord } from '../protocol/backend-ops.js';
import { encodeState } from '../serialization/codec.js';
import type { Ownership } from './ownership.js';

export interface Transfer {
  /** This backend's objects to ship, with their state. */
  objects: DataClayObject[];
  records: TransferRecord[];
  /** Referents owned by other backends, by owner: their owners continue the traversal. */
  remote: Map<string, string[]>;
}

/**
 * Collects what a move or replication of `roots` takes from this backend. Recursive: every object reachable from
 * the roots through this backend's objects; with `remotes`, referents owned elsewhere are reported by owner (the
 * caller forwards to them), otherwise they stay where they are. Each record carries the epoch this backend masters
 * the object at: a replica's holder fences older copies by it, a move's target writes its record at the next one.
 * `takes`: whether an object of this backend may go (the caller's right to change it); one that may not stays, and
 * the traversal does not go on through it.
 */
export function collectTransfer(
  rt: Pick<Ownership, 'load'> & { epochOf: (id: string) => number },
  roots: DataClayObject[],
  recursive: boolean,
  remotes: boolean,
  visited: Set<string>,
  takes: (obj: DataClayObject) => boolean = () => true,
): Transfer {
  const transfer: Transfer = { objects: [], records: [], remote: new Map() };
  const queue = [...roots];
  while (queue.length > 0) {
    const obj = queue.shift()!;
    const state = obj[STATE];
    if (visited.has(state.id)) continue;
    visited.add(state.id);
    if (state.kind !== 'owned' && state.kind !== 'evicted') {
      // owned elsewhere (a replica held here is still its master's): the owner continues the traversal
      if (remotes && state.backendId)
        transfer.remote.set(state.backendId, [...(transfer.remote.get(state.backendId) ?? []), state.id]);
      continue;
    }
    const owned = rt.load(obj);
    if (owned.kind !== 'owned' || !takes(obj)) continue;
    const referents: DataClayObject[] = [];
    const stateBytes = encodeState(captureState(obj), (o) => void referents.push(o), owned.info.ctor.name);
    transfer.objects.push(obj);
    transfer.records.push([
      owned.id,
      owned.info.name,
      owned.dataset,
      stateBytes,
      shapeOf(owned.info),
      rt.epochOf(owned.id),
    ]);
    if (recursive) queue.push(...referents.filter((r) => r[STATE].registered && !visited.has(r.id)));
  }
  return transfer;
}

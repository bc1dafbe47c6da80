// Deletes sent to the objects' owners (a recursive delete, a garbage collection's sweep), following moves: a batch
// an owner refuses with WrongBackendError (one of its objects moved after the walk found it there; the owner deleted
// none of the batch) is regrouped by the owners the metadata names now and sent there, a few rounds at most.
import { WrongBackendError } from '../errors.js';

/** Rounds of regrouping, like the redirects of a single request (runtime/routing.ts). */
const ROUNDS = 3;

export interface OwnerDeletes {
  /** Deletes `ids` at `owner`; how many went. */
  send: (owner: string, ids: string[]) => Promise<number>;
  /** The owner the metadata names; undefined: the object is gone. */
  ownerOf: (id: string) => Promise<string | undefined>;
  /** Ids per request (default: each owner's share in one). */
  batch?: number;
}

/** Deletes each owner's share (owners at once, one owner's batches in turn); how many went in all. */
export async function deleteAtOwners(shares: Map<string, string[]>, deps: OwnerDeletes): Promise<number> {
  const batch = deps.batch ?? Number.POSITIVE_INFINITY;
  let deleted = 0;
  let pending = shares;
  for (let round = 1; pending.size > 0; round++) {
    const moved: string[] = [];
    await Promise.all(
      [...pending].map(async ([owner, ids]) => {
        for (let i = 0; i < ids.length; i += batch) {
          const part = ids.slice(i, i + batch);
          let n: number;
          try {
            n = await deps.send(owner, part);
          } catch (err) {
            if (!(err instanceof WrongBackendError) || round === ROUNDS) throw err;
            moved.push(...part);
            continue;
          }
          deleted += n; // after the await: `deleted += await ...` would read `deleted` before it, losing counts
        }
      }),
    );
    pending = await byOwner(moved, deps.ownerOf);
  }
  return deleted;
}

async function byOwner(ids: string[], ownerOf: OwnerDeletes['ownerOf']): Promise<Map<string, string[]>> {
  const owners = await Promise.all(ids.map(ownerOf));
  const shares = new Map<string, string[]>();
  ids.forEach((id, i) => {
    const owner = owners[i];
    if (owner === undefined) return; // deleted meanwhile
    const share = shares.get(owner);
    if (share) share.push(id);
    else shares.set(owner, [id]);
  });
  return shares;
}

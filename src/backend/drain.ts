// Draining a backend before it is retired (docs/lifecycle.md): it takes no new objects, moves every object it
// masters to the other live backends (batches, a few at once, each a normal move: calls on them wait and follow),
// then asks the masters of the replicas it holds to place them elsewhere. Objects its active methods create meanwhile
// are caught by the next pass.
import type { BackendOps, DrainReport, MoveRequest } from '../protocol/backend-ops.js';
import type { Handlers } from '../protocol/handlers.js';
import { NoBackendsError } from '../errors.js';
import type { BackendRuntime } from './backend-runtime.js';
import { inBatches } from './in-batches.js';

type Deps = Pick<
  BackendRuntime,
  'backendId' | 'objects' | 'store' | 'requests' | 'replicas' | 'ownership' | 'onBackgroundError'
>;

export interface DrainControl {
  /** From now on the backend refuses new objects, and says so in its heartbeat record. */
  markDraining(): Promise<void>;
  /**
   * This backend's move and replicate handlers, called in place: an operator's drain (and rebalance) needs no grant
   * on the objects' datasets, which a `move` or `replicate` request would be checked against.
   */
  move: Handlers<BackendOps>['move'];
  replicate: Handlers<BackendOps>['replicate'];
}

/** Objects per move request, and move requests in flight. */
const BATCH = 200;
const IN_FLIGHT = 4;
const MAX_ROUNDS = 10;

export function drainHandlers(
  rt: Deps,
  control: DrainControl,
): Pick<Handlers<BackendOps>, 'drain' | 'unreplicate' | 'relocate'> {
  return {
    async drain(_request, ctx) {
      await control.markDraining();
      const report: DrainReport = { moved: 0, handedOver: 0, rounds: 0, left: 0 };
      for (let moved = -1; moved !== 0 && report.rounds < MAX_ROUNDS; report.rounds++) {
        const ids = [...rt.objects.ids()];
        if (ids.length === 0) break;
        moved = await moveAway(rt, ids, (request) => control.move(request, ctx));
        report.moved += moved;
      }
      report.left = rt.objects.count;
      report.handedOver = await handOverReplicas(rt);
      return report;
    },
    async unreplicate([s, ids, replica], ctx) {
      const owned = ids.flatMap((id) => rt.ownership.ownedHere(id) ?? []);
      if (owned.length === 0) return;
      // a copy elsewhere first (the draining backend holds one: it is never the one picked), then forget its copy
      // a drain's, which only backends send: an operator's work, needing no grant on the objects' datasets
      await control.replicate([s, owned.map((o) => o.id), null, false, false, false], { ...ctx, operator: true });
      for (const obj of owned) await rt.replicas.forgetReplica(obj, replica);
    },
    relocate: (request, ctx) => control.move(request, ctx),
  };
}

/** Moves the objects, spread round-robin over the live backends that have their classes; how many moved. */
async function moveAway(
  rt: Deps,
  ids: string[],
  move: (request: MoveRequest) => number | Promise<number>,
): Promise<number> {
  const others = (await rt.store.listBackends()).filter((b) => b.id !== rt.backendId && !b.draining);
  if (others.length === 0) throw new NoBackendsError();
  const batches: { ids: string[]; target: string }[] = [];
  const byClass = new Map<string, string[]>();
  for (const id of ids) {
    const className = rt.objects.get(id)?.[0];
    if (className === undefined) continue; // moved or deleted since the listing
    const group = byClass.get(className);
    if (group) group.push(id);
    else byClass.set(className, [id]);
  }
  let turn = 0;
  for (const [className, group] of byClass) {
    const able = others.filter((b) => b.classes.includes(className));
    if (able.length === 0) continue; // no other backend could load it: it stays (the report says how many)
    for (let i = 0; i < group.length; i += BATCH)
      batches.push({ ids: group.slice(i, i + BATCH), target: able[turn++ % able.length].id });
  }
  let moved = 0;
  const s = rt.requests.wire();
  await inBatches(
    batches,
    async ({ ids: batch, target }) => {
      try {
        const n = await move([s, batch, target, false, false, false]); // not `moved += await`: workers overlap
        moved += n;
      } catch (err) {
        rt.onBackgroundError(err); // the next round tries what is still here
      }
    },
    IN_FLIGHT,
  );
  return moved;
}

/** Asks each master to replicate what this backend holds of it elsewhere and to forget this copy. */
async function handOverReplicas(rt: Deps): Promise<number> {
  let handed = 0;
  const s = rt.requests.wire();
  for (const [master, ids] of rt.replicas.heldByMaster()) {
    try {
      await rt.requests.request(master, 'unreplicate', [s, ids, rt.backendId]);
      for (const id of ids) rt.replicas.drop(id, master);
      handed += ids.length;
    } catch (err) {
      rt.onBackgroundError(err); // the master drops this copy when it cannot update it once the backend is gone
    }
  }
  return handed;
}

// The backend's handlers for an object's end (docs/lifecycle.md): delete (of one object, or of the graph it alone
// reaches), the collector's delete, and what a walk of the graph and a garbage collection ask of each backend (the
// references objects hold, the objects calls run on, the write barrier's notes).
import type { RequestContext } from '../object/context.js';
import type { BackendOps } from '../protocol/backend-ops.js';
import type { Handlers } from '../protocol/handlers.js';
import type { BackendRuntime } from './backend-runtime.js';
import { localRefs, reachable, type WalkDeps } from './graph-walk.js';
import { deleteAtOwners } from './owner-deletes.js';

type Deps = Pick<
  BackendRuntime,
  'backendId' | 'heap' | 'ownership' | 'objects' | 'store' | 'requests' | 'deletion' | 'barrier'
>;

type LifecycleOp = 'delete' | 'collect' | 'refs' | 'running' | 'barrier';

export function lifecycleHandlers(rt: Deps): Pick<Handlers<BackendOps>, LifecycleOp> {
  return {
    delete: ([, ids, recursive], ctx) => (recursive ? deleteGraph(rt, ids, ctx) : rt.deletion.deleteOwned(ids, ctx)),
    collect: ([, ids], ctx) => rt.deletion.deleteOwned(ids, ctx, true),
    refs: ([, ids]) => localRefs(ids, rt.ownership, rt.objects, rt.heap),
    running: () => rt.heap.pinnedIds(),
    barrier: ([, gcId, step]) => {
      if (step === 'take') return rt.barrier.take(gcId);
      if (step === 'begin') rt.barrier.begin(gcId);
      else rt.barrier.end(gcId);
      return null;
    },
  };
}

/** How a walk of the graph asks each owner: this backend answers itself, the others over NATS. */
export function walkDeps(rt: Omit<Deps, 'deletion' | 'barrier'>): WalkDeps {
  return {
    ownerOf: async (id) => (await rt.store.getObject(id))?.master,
    refs: async (owner, ids) =>
      owner === rt.backendId
        ? localRefs(ids, rt.ownership, rt.objects, rt.heap)
        : rt.requests.request(owner, 'refs', [rt.requests.wire(), ids]),
  };
}

/**
 * Deletes the roots and what they reach that no alias reaches other than through them, within the roots' datasets
 * (a graph may reference objects of datasets the caller cannot write: those stay).
 */
async function deleteGraph(rt: Deps, ids: string[], ctx: RequestContext): Promise<number> {
  const walk = walkDeps(rt);
  const graph = await reachable(ids, walk);
  const roots = new Set(ids);
  const aliased: string[] = [];
  for await (const target of rt.store.aliasTargets()) if (!roots.has(target)) aliased.push(target);
  const kept = await reachable(aliased, walk, roots);
  const datasets = new Set(ids.map((id) => graph.get(id)?.dataset));
  const byOwner = new Map<string, string[]>();
  for (const [id, { owner, dataset }] of graph) {
    if (!roots.has(id) && (kept.has(id) || !datasets.has(dataset))) continue;
    const share = byOwner.get(owner);
    if (share) share.push(id);
    else byOwner.set(owner, [id]);
  }
  // a root the walk did not find: the error that says where it is, or that it is gone (a delete cut short is finished)
  const unfound = ids.filter((id) => !graph.has(id));
  const finished = unfound.length > 0 ? await rt.deletion.deleteOwned(unfound, ctx) : 0;
  const s = rt.requests.wire();
  const deleted = await deleteAtOwners(byOwner, {
    send: (owner, group) =>
      owner === rt.backendId
        ? rt.deletion.deleteOwned(group, ctx)
        : rt.requests.request(owner, 'delete', [s, group, false]),
    ownerOf: walk.ownerOf,
  });
  return finished + deleted;
}

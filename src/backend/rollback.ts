// An active method is atomic on its backend: when a request fails (user code threw, or what it changed cannot be
// encoded or stored), every object it changed here goes back to its last committed state and what it created goes.
import type { DataClayObject } from '../object/dataclay-object.js';
import type { RequestContext } from '../object/context.js';
import { evict } from '../object/lifecycle.js';
import { STATE } from '../object/state.js';

/** What a rollback needs of the backend. */
export interface RollbackDeps {
  readonly objects: { has(id: string): boolean };
  readonly heap: { delete(id: string): void; pinCount(id: string): number };
  /** Reads an object's committed state back from the store into the same instance. */
  load(obj: DataClayObject): void;
  unregister(obj: DataClayObject): void;
  /** Whether the object's current state can be stored at all. */
  encodable(obj: DataClayObject): boolean;
}

export function rollBack(deps: RollbackDeps, ctx: RequestContext): void {
  for (const o of ctx.created?.splice(0) ?? []) if (o[STATE].kind === 'owned') deps.unregister(o);
  for (const o of ctx.touched ?? []) restoreCommitted(deps, o, ctx.pinned === o.id ? 1 : 0);
  ctx.touched?.clear();
}

/**
 * Reloads the object from its record. When other calls are running on it, their changes are in memory too and
 * would be lost with ours: then only a state that cannot be stored at all is reverted (those calls cannot commit it
 * either), otherwise the interleaved state stays, as docs/concurrency.md says of non-exclusive methods.
 */
function restoreCommitted(deps: RollbackDeps, obj: DataClayObject, ownPins: number): void {
  if (obj[STATE].kind !== 'owned') return;
  if (!deps.objects.has(obj.id)) return; // never committed: created by this request, gone above
  if (deps.heap.pinCount(obj.id) > ownPins && deps.encodable(obj)) return;
  evict(obj);
  deps.heap.delete(obj.id);
  deps.load(obj);
}

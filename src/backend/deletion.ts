// Deleting objects this backend owns (docs/lifecycle.md): requests for them wait as for a move, running calls
// finish, then the aliases, the record and the metadata go, in that order, and replicas are retired. The order keeps
// every crash point safe: the record goes before the metadata, so a restart never serves a deleted object again,
// and a delete cut short is finished by the next one (the metadata still names this backend).
import { DoesNotExistError, WrongBackendError } from '../errors.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RequestContext } from '../object/context.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { toProxy } from '../object/lifecycle.js';
import { STATE } from '../object/state.js';
import type { Requests } from '../runtime/requests.js';
import type { Heap } from './heap.js';
import type { Moves } from './moves.js';
import type { ObjectStore } from './object-store.js';
import type { Ownership } from './ownership.js';

export interface DeletionDeps {
  backendId: string;
  heap: Heap;
  objects: Pick<ObjectStore, 'remove'>;
  store: Pick<MetadataStore, 'getObject' | 'deleteObject' | 'deleteAliasesOf' | 'aliasTargets'>;
  ownership: Pick<Ownership, 'owned'>;
  moves: Pick<Moves, 'beginMove'>;
  requests: Pick<Requests, 'request' | 'wire'>;
  onBackgroundError: (err: unknown) => void;
}

const SKIP = Symbol('not here');

export class Deletion {
  constructor(private readonly deps: DeletionDeps) {}

  /**
   * Deletes the objects, which this backend must own (else the error says where they are, or that they are
   * nowhere). `collect`: the garbage collector's, which spares objects a call is running on. Returns how many went.
   */
  async deleteOwned(ids: string[], ctx: RequestContext, collect = false): Promise<number> {
    const unique = [...new Set(ids)];
    const found = await Promise.all(unique.map((id) => this.ownedOrCutShort(id, collect)));
    const objects = found.filter((o): o is DataClayObject => o !== undefined && o !== SKIP);
    const cutShort = unique.filter((_, i) => found[i] === undefined);
    if (objects.length === 0) return this.finishCutShort(cutShort);
    const finish = await this.deps.moves.beginMove(objects, collect ? 0 : undefined, ctx.chain);
    try {
      const doomed = collect ? await this.garbage(objects, ctx) : objects;
      const held = new Map<string, string[]>(); // replica holder → the doomed objects it has copies of
      for (const obj of doomed)
        for (const holder of obj[STATE].replicas ?? []) held.set(holder, [...(held.get(holder) ?? []), obj.id]);
      await this.remove(
        doomed.map((o) => o.id),
        !collect, // the collector's have no alias: it just checked
      );
      for (const obj of doomed) {
        this.deps.heap.delete(obj.id);
        toProxy(obj, this.deps.backendId); // a later use asks here, and finds nothing: DoesNotExistError
      }
      const s = this.deps.requests.wire();
      for (const [holder, copies] of held) {
        // best effort: a replica that misses it checks the metadata on every read, and finds the object gone
        this.deps.requests
          .request(holder, 'retire', [s, copies, this.deps.backendId])
          .catch((err) => this.deps.onBackgroundError(err));
      }
      return doomed.length + (await this.finishCutShort(cutShort));
    } finally {
      finish(undefined); // waiting requests try again here, and find nothing
    }
  }

  private async remove(ids: string[], aliases = true): Promise<void> {
    const { store, objects } = this.deps;
    if (aliases) await Promise.all(ids.map((id) => store.deleteAliasesOf(id)));
    await Promise.all(ids.map((id) => objects.remove(id)));
    await Promise.all(ids.map((id) => store.deleteObject(id)));
  }

  /**
   * The object; undefined for one whose delete was cut short here (no record; metadata still names us); SKIP, for the
   * collector, for one not here any more (moved, or deleted meanwhile).
   */
  private async ownedOrCutShort(id: string, collect: boolean): Promise<DataClayObject | typeof SKIP | undefined> {
    try {
      return await this.deps.ownership.owned(id);
    } catch (err) {
      const gone = err instanceof DoesNotExistError;
      if (!gone && !(collect && err instanceof WrongBackendError)) throw err;
      const md = gone ? await this.deps.store.getObject(id) : undefined;
      if (md?.master === this.deps.backendId) return undefined;
      if (collect) return SKIP;
      throw err;
    }
  }

  /**
   * What the collector may delete of what it found unreachable: not an object a call runs on now, nor one given an
   * alias since the collection read the aliases (a root now).
   */
  private async garbage(objects: DataClayObject[], ctx: RequestContext): Promise<DataClayObject[]> {
    const idle = objects.filter((o) => !this.deps.heap.pinnedByOthers(o.id, ctx.chain));
    if (idle.length === 0) return idle;
    // one read of every alias for the batch, not one listing per object
    const aliased = new Set<string>();
    for await (const target of this.deps.store.aliasTargets()) aliased.add(target);
    return idle.filter((o) => !aliased.has(o.id));
  }

  private async finishCutShort(ids: string[]): Promise<number> {
    await this.remove(ids);
    return ids.length;
  }
}

// Deleting objects this backend owns (docs/lifecycle.md): requests for them wait as for a move, running calls
// finish, then the metadata is marked `deleting` and the aliases, the record and the metadata go, in that order, and
// replicas are retired. The mark comes before the aliases are read: an alias added meanwhile sees it and waits for
// the end (metadata-service.ts), so none outlives the object. The order keeps every crash point safe: the record goes
// before the metadata, so a restart never serves a deleted object again, and a delete cut short is finished by the
// next one (the metadata still names this backend).
import { DoesNotExistError } from '../errors.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RequestContext } from '../object/context.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { toProxy } from '../object/lifecycle.js';
import { STATE } from '../object/state.js';
import type { Heap } from './heap.js';
import type { Epochs } from './epochs.js';
import type { Moves } from './moves.js';
import type { Replicas } from './replicas.js';
import type { ObjectStore } from './object-store.js';
import type { Ownership } from './ownership.js';
import type { WriteBarrier } from './write-barrier.js';

export interface DeletionDeps {
  backendId: string;
  heap: Heap;
  objects: Pick<ObjectStore, 'remove' | 'recordBytes'>;
  store: Pick<MetadataStore, 'getObject' | 'deleteObject' | 'deleteAliasesOf' | 'aliasTargets' | 'markDeleting'>;
  ownership: Pick<Ownership, 'owned'>;
  moves: Pick<Moves, 'beginMove'>;
  replicas: Pick<Replicas, 'retireCopies'>;
  epochs: Pick<Epochs, 'of'>;
  barrier: Pick<WriteBarrier, 'recording' | 'noteRecords'>;
  onBackgroundError: (err: unknown) => void;
}

const SKIP = Symbol('not here');

export class Deletion {
  constructor(private readonly deps: DeletionDeps) {}

  /**
   * Deletes the objects, which this backend must own (else the error says where they are, or that they are
   * nowhere, and none of them is deleted). `collect`: the garbage collector's, which spares objects a call is
   * running on and skips those deleted meanwhile. Returns how many went.
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
      const epochs = new Map(doomed.map((o) => [o.id, this.deps.epochs.of(o.id)])); // read before the records go
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
      for (const [holder, copies] of held) {
        // best effort: a replica that misses it checks the metadata on every read, and finds the object gone
        this.deps.replicas
          .retireCopies(
            holder,
            copies,
            copies.map((id) => epochs.get(id)!),
          )
          .catch((err) => this.deps.onBackgroundError(err));
      }
      return doomed.length + (await this.finishCutShort(cutShort));
    } finally {
      finish(undefined); // waiting requests try again here, and find nothing
    }
  }

  private async remove(ids: string[], aliases = true): Promise<void> {
    const { store, objects } = this.deps;
    if (aliases) {
      await Promise.all(ids.map((id) => store.markDeleting(id)));
      await Promise.all(ids.map((id) => store.deleteAliasesOf(id)));
    }
    // a collection runs: what the removed records referenced was reachable when it began (write-barrier.ts)
    if (this.deps.barrier.recording) this.deps.barrier.noteRecords(...ids.map((id) => objects.recordBytes(id)));
    await Promise.all(ids.map((id) => objects.remove(id)));
    await Promise.all(ids.map((id) => store.deleteObject(id)));
  }

  /**
   * The object; undefined for one whose delete was cut short here (no record; metadata still names us); SKIP, for the
   * collector, for one deleted meanwhile. One moved away is WrongBackendError: the sender follows it (owner-deletes.ts).
   */
  private async ownedOrCutShort(id: string, collect: boolean): Promise<DataClayObject | typeof SKIP | undefined> {
    try {
      return await this.deps.ownership.owned(id);
    } catch (err) {
      if (!(err instanceof DoesNotExistError)) throw err;
      const md = await this.deps.store.getObject(id);
      if (md?.master === this.deps.backendId) return undefined;
      if (collect) return SKIP;
      throw err;
    }
  }

  /**
   * What the collector may delete of what it found unreachable: not an object a call runs on now, nor one given an
   * alias since the collection read the aliases (a root now). Marked first, as a delete is (an alias added from then
   * on waits for the mark to go); the spared lose the mark again.
   */
  private async garbage(objects: DataClayObject[], ctx: RequestContext): Promise<DataClayObject[]> {
    const { store } = this.deps;
    const idle = objects.filter((o) => !this.deps.heap.pinnedByOthers(o.id, ctx.chain));
    if (idle.length === 0) return idle;
    const unmark = (spared: DataClayObject[]) => Promise.all(spared.map((o) => store.markDeleting(o.id, false)));
    await Promise.all(idle.map((o) => store.markDeleting(o.id)));
    // one read of every alias for the batch, not one listing per object
    const aliased = new Set<string>();
    try {
      for await (const target of store.aliasTargets()) aliased.add(target);
    } catch (err) {
      await unmark(idle).catch(() => undefined);
      throw err;
    }
    await unmark(idle.filter((o) => aliased.has(o.id)));
    return idle.filter((o) => !aliased.has(o.id));
  }

  private async finishCutShort(ids: string[]): Promise<number> {
    await this.remove(ids);
    return ids.length;
  }
}

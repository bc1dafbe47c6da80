// Backend operations that move objects: `move` (from this backend, forwarding the traversal to the owners of
// remote referents), `replicate`, `receive` (taking ownership of shipped objects, or holding replicas), and `noted`
// (a move's source saying its leaving note is on disk).
import { BackendUnavailableError, OutcomeUnknownError, ReplicaOnMasterError, TimeoutError } from '../errors.js';
import type {
  BackendOps,
  MoveRequest,
  ReplicateRequest,
  TransferMode,
  TransferRecord,
} from '../protocol/backend-ops.js';
import type { Handlers } from '../protocol/handlers.js';
import type { WireSession } from '../protocol/session.js';
import { chunkBySize, recordSize } from '../messaging/chunks.js';
import { STATE } from '../object/state.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { sessionStorage, type RequestContext } from '../object/context.js';
import type { BackendRuntime } from './backend-runtime.js';
import type { LeavingNote } from './leaving.js';
import { collectTransfer } from './transfer.js';

type Deps = Pick<
  BackendRuntime,
  | 'backendId'
  | 'store'
  | 'requests'
  | 'placement'
  | 'ownership'
  | 'moves'
  | 'replicas'
  | 'epochs'
  | 'onBackgroundError'
  | 'mayWrite'
>;

/** Ships records to `target` in as many `receive` requests as max_payload needs. */
async function sendRecords(
  rt: Deps,
  target: string,
  s: WireSession,
  mode: TransferMode,
  records: TransferRecord[],
): Promise<void> {
  for (const chunk of chunkBySize(records, recordSize, rt.requests.batchBudget())) {
    await rt.requests.request(
      target,
      'receive',
      mode === 'replica' ? [s, mode, chunk, rt.backendId] : [s, mode, chunk],
    );
  }
}

/** How long a source keeps asking a target to give back the objects of a move that failed halfway. */
const RETIRE_BUDGET_MS = 120_000;

/** For a promise's outcome that is not a failure. */
const noFailure = (): undefined => undefined;

export function transferHandlers(rt: Deps): Pick<Handlers<BackendOps>, 'move' | 'replicate' | 'receive' | 'noted'> {
  /** What collectTransfer reads: the objects' state, and the epoch each is mastered at here. */
  const source = {
    load: (obj: DataClayObject) => rt.ownership.load(obj),
    epochOf: (id: string) => rt.epochs.of(id),
  };

  /**
   * What a traversal may take for the request's user: objects of datasets it may change. The objects a request
   * names were checked with it (access.ts); those it reaches through references, or names on a forwarded hop, here.
   */
  const writableBy =
    (ctx: RequestContext) =>
    (obj: DataClayObject): boolean =>
      ctx.operator === true || rt.mayWrite(ctx.username, obj[STATE].dataset!);

  /**
   * The objects of `ids` this backend owns. Ids it does not own: on the first hop, the caller's hint was stale
   * (WrongBackendError); on a forwarded hop, they are reported by their real owner so the traversal goes on there.
   */
  async function rootsOf(
    ids: string[],
    forwarded: boolean,
  ): Promise<{ roots: DataClayObject[]; elsewhere: Map<string, string[]> }> {
    const roots: DataClayObject[] = [];
    const elsewhere = new Map<string, string[]>();
    for (const id of ids) {
      const obj = rt.ownership.ownedHere(id);
      if (obj) roots.push(obj);
      else if (!forwarded) roots.push(await rt.ownership.owned(id));
      else {
        const md = await rt.store.getObject(id);
        if (md && md.master !== rt.backendId && md.forward === undefined)
          elsewhere.set(md.master, [...(elsewhere.get(md.master) ?? []), id]);
      }
    }
    return { roots, elsewhere };
  }

  /** Moves what this backend owns of the graph, then asks the owners of remote referents to do the same. */
  async function move(
    [s, ids, target, recursive, remotes, forwarded]: MoveRequest,
    ctx: RequestContext,
  ): Promise<number> {
    const { roots, elsewhere } = await rootsOf(ids, forwarded);
    const transfer = collectTransfer(source, roots, recursive, remotes, new Set(), writableBy(ctx));
    let moved = 0;
    if (target !== rt.backendId && transfer.objects.length > 0) {
      const finish = await rt.moves.beginMove(transfer.objects, undefined, ctx.chain);
      const note = rt.moves.noteLeaving(transfer.objects); // leaving.ts
      let released = false;
      try {
        // calls that were running when the move began have finished: take the state now
        const records = collectTransfer(source, transfer.objects, false, false, new Set()).records;
        // shipped while the note syncs: the target names itself in the metadata only once told it is on disk. A
        // target of an older build does not wait for that word: the note is on disk before it gets the objects
        if ((await rt.store.liveBackend(target))?.notedMoves !== true) await note.written;
        tellNoted(s, target, note);
        // the target keeps the objects' replicas as its backups, or retires them (moves.ts): not asked here
        await shipMove(s, target, records, note);
        released = true;
        await rt.moves.release(transfer.objects, target, note);
        finish(target);
        moved += transfer.objects.length;
      } catch (err) {
        if (!(err instanceof UnsettledShip)) {
          finish(undefined);
          // a note that could not be written is why the target gave them back: its error says more than the target's
          throw (await note.written.then(noFailure, (noteErr: unknown) => noteErr)) ?? err;
        }
        // the target could not be asked to give them back: the metadata says whose each object is now, and the
        // source serves only those it names (never a second copy of one the target owns)
        const theirs = await shippedAway(err.ids, target);
        await rt.moves.release(
          transfer.objects.filter((o) => theirs.has(o.id)),
          target,
        );
        await rt.moves.reclaim(err.ids.filter((id) => !theirs.has(id)));
        finish(undefined); // those released ask the metadata, and find the target
        throw err.cause;
      } finally {
        if (!released) rt.moves.dropNote(note); // kept otherwise until the records are gone
      }
    }
    for (const [owner, remoteIds] of [...transfer.remote, ...elsewhere]) {
      moved += await rt.requests.request(owner, 'move', [s, remoteIds, target, recursive, remotes, true]);
    }
    return moved;
  }

  /** Tells the target of a move once its leaving note is on disk, or could not be written (noted-moves.ts). */
  function tellNoted(s: WireSession, target: string, note: LeavingNote): void {
    void note.written
      .then(
        () => true,
        () => false,
      )
      // a word lost on the way: the target gives the objects back when its wait runs out, and the move fails
      .then((written) => rt.requests.request(target, 'noted', [s, note.key, written]))
      .catch(() => undefined);
  }

  /**
   * Ships records to the target; if a later batch fails, the batches already there are taken back. The first batch
   * carries the leaving note's key (the target waits for word of it before naming itself in the metadata); the
   * next ones go after its answer, which came once the note was on disk.
   */
  async function shipMove(s: WireSession, target: string, records: TransferRecord[], note: LeavingNote): Promise<void> {
    const shipped: string[] = [];
    try {
      for (const chunk of chunkBySize(records, recordSize, rt.requests.batchBudget())) {
        const first = shipped.length === 0;
        shipped.push(...chunk.map(([id]) => id)); // before the answer: a timed-out receive may still have happened
        await rt.requests.request(
          target,
          'receive',
          first ? [s, 'move', chunk, rt.backendId, note.key] : [s, 'move', chunk, rt.backendId],
        );
      }
    } catch (err) {
      if (shipped.length > 0) {
        // the target answers once any receive of them still running there has ended: only then are they ours again.
        // Each attempt waits twice as long as the last: a retire that times out still runs at the target, so short
        // fixed attempts would pile up there behind the receive and every answer would come too late.
        const until = Date.now() + RETIRE_BUDGET_MS;
        for (let attemptMs = rt.requests.deadline().timeoutMs; ; attemptMs *= 2) {
          try {
            const timeoutMs = Math.max(1, Math.min(attemptMs, until - Date.now()));
            const retire = () => rt.requests.request(target, 'retire', [s, shipped, rt.backendId]);
            await sessionStorage.run({ ...sessionStorage.getStore()!, timeoutMs }, retire);
            break;
          } catch (retireErr) {
            // a timeout, a lost connection or a target reconnecting: asked again; anything else is its answer
            const transient =
              retireErr instanceof TimeoutError ||
              retireErr instanceof OutcomeUnknownError ||
              retireErr instanceof BackendUnavailableError;
            if (!transient) throw retireErr;
            if (Date.now() >= until) throw new UnsettledShip(shipped, retireErr);
            if (!(retireErr instanceof TimeoutError)) await new Promise((r) => setTimeout(r, 200));
          }
        }
        // the target holds none of them now, and the metadata may still name it: until the take-back is written the
        // records here are the only copy, which a restart would otherwise drop as moved away (leaving.ts). Failing,
        // the take-back still goes ahead: only a crash before it would be left uncovered
        await rt.moves.givenBack(note, shipped).catch(rt.onBackgroundError);
        await rt.moves.reclaim(shipped);
      }
      throw err;
    }
  }

  /** Of objects shipped to `target`, those the metadata now names it the master of. */
  async function shippedAway(ids: string[], target: string): Promise<Set<string>> {
    const md = await Promise.all(ids.map((id) => rt.store.getObject(id)));
    return new Set(ids.filter((_, i) => md[i]?.master === target));
  }

  /** Replicates what this backend masters of the graph to `target`, then forwards to owners of remote referents. */
  async function replicate(
    [s, ids, requested, recursive, remotes, forwarded]: ReplicateRequest,
    ctx: RequestContext,
  ): Promise<{ target: string | null; count: number }> {
    const { roots, elsewhere } = await rootsOf(ids, forwarded);
    const target = requested ?? (await rt.replicas.backendWithoutCopy(roots));
    if (target === null) return { target, count: 0 };
    if (target === rt.backendId && !forwarded) {
      throw new ReplicaOnMasterError(target);
    }
    const transfer = collectTransfer(source, roots, recursive, remotes, new Set(), writableBy(ctx));
    const fresh =
      target === rt.backendId
        ? [] // objects the target masters itself need no replica
        : transfer.objects
            .map((o, i) => [o, transfer.records[i]] as const)
            .filter(([o]) => !o[STATE].replicas?.includes(target));
    if (fresh.length > 0) {
      // wanted there: a retire owed to the target from before must not follow these copies
      const ids = fresh.map(([o]) => o.id);
      const placed = rt.replicas.placing(target, ids);
      try {
        // ordered after the guard: a retire sent before it (resent, late) is older than these copies
        await sendRecords(
          rt,
          target,
          s,
          'replica',
          fresh.map(
            ([, [id, className, dataset, state, shape, epoch]]): TransferRecord => [
              id,
              className,
              dataset,
              state,
              shape,
              epoch,
              rt.replicas.order(),
            ],
          ),
        );
        await Promise.all(fresh.map(([o]) => rt.replicas.addReplica(o, target)));
      } catch (err) {
        rt.replicas.retireLater(target, ids); // it may hold them now: told once nothing here names it for them
        throw err;
      } finally {
        placed();
      }
    }
    let count = transfer.objects.length;
    for (const [owner, remoteIds] of [...transfer.remote, ...elsewhere]) {
      count += (await rt.requests.request(owner, 'replicate', [s, remoteIds, target, recursive, remotes, true])).count;
    }
    return { target, count };
  }

  return {
    async replicate(req, ctx) {
      if (req[2] !== null) await rt.placement.check(req[2]);
      return replicate(req, ctx);
    },

    async move(req, ctx) {
      await rt.placement.check(req[2]);
      return move(req, ctx);
    },

    async receive([, mode, records, master, note]) {
      if (mode === 'replica' && master !== undefined) await rt.replicas.receive(records, master);
      else
        await rt.moves.receive(
          records,
          note !== undefined && master !== undefined ? { key: note, from: master } : undefined,
        );
    },

    async noted([, note, written]) {
      rt.moves.noted.tell(note, written);
    },
  };
}

/** A move whose shipped objects the target could not be asked to give back (its answer never came). */
class UnsettledShip extends Error {
  constructor(
    readonly ids: string[],
    override readonly cause: unknown,
  ) {
    super('the target of a failed move did not answer its retire');
  }
}

// Moves on the backend's side: marking objects as leaving (new requests wait, running calls finish), taking
// ownership of objects shipped here, letting go of those shipped away, taking back a move that failed halfway.
import { MetadataUnreachableError, MoveUnconfirmedError } from '../errors.js';
import type { MetadataStore } from '../metadata/store.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import type { IdentityMap } from '../object/identity.js';
import { blank, toProxy } from '../object/lifecycle.js';
import { dropFields } from '../object/locality.js';
import { evolveReceived } from '../object/evolution.js';
import { hasStateHooks, restoreState } from '../object/object-state.js';
import { STATE } from '../object/state.js';
import { classInfoByName } from '../object/registry.js';
import type { TransferRecord } from '../protocol/backend-ops.js';
import { decode } from '../serialization/codec.js';
import type { Heap } from './heap.js';
import { Leaving, type LeavingNote } from './leaving.js';
import { NotedMoves } from './noted-moves.js';
import { ObjectStore } from './object-store.js';
import type { Ownership } from './ownership.js';
import type { Registrar } from './registration.js';
import type { Epochs } from './epochs.js';
import type { Replicas } from './replicas.js';
import type { WriteThrough } from './write-through.js';

/** How long taking back a failed move's objects keeps trying through a metadata outage (as the retire before it). */
const RECLAIM_BUDGET_MS = 120_000;

export interface MovesDeps {
  backendId: string;
  heap: Heap;
  identity: IdentityMap;
  objects: Pick<ObjectStore, 'remove' | 'putLeaving' | 'removeLeaving' | 'retireLeft' | 'putGivenBack' | 'get' | 'put'>;
  store: Pick<MetadataStore, 'getObject' | 'putObject' | 'getObjectEntry' | 'updateObject'>;
  ownership: Pick<Ownership, 'owned' | 'isLeaving' | 'markLeaving' | 'resolveRef'>;
  replicas: Pick<Replicas, 'drop'>;
  registrar: Pick<Registrar, 'own' | 'metadataOf'>;
  writes: Pick<WriteThrough, 'save' | 'rewrite'>;
  /** Told of a background removal of records that moved away, failed (a restart settles it: leaving.ts). */
  onBackgroundError: (err: unknown) => void;
  epochs: Pick<Epochs, 'set' | 'of' | 'delete'>;
  /** Gives received objects their backups, the replicas they had first (failover.ts); retires the rest. */
  ensureBackups: (objects: DataClayObject[], had: Map<string, string[]>) => Promise<void>;
  /** How long a target waits for the source's word that its leaving note is on disk (noted-moves.ts). */
  noteWaitMs: number;
}

export class Moves {
  /** Moves being received: a retire of those ids (the sender taking them back) waits for them. */
  readonly receiving = new Map<string, Promise<unknown>>();
  /** Objects moved away while another request still ran on them (the grace ran out): that request must fail. */
  readonly overrun = new Set<string>();
  /** The sources' words that the notes of moves being received are on disk. */
  readonly noted: NotedMoves;
  private readonly leaving: Leaving;

  constructor(private readonly deps: MovesDeps) {
    this.leaving = new Leaving(deps.objects, deps.onBackgroundError);
    this.noted = new NotedMoves(deps.noteWaitMs);
  }

  /** Notes that these objects are leaving, before they are shipped: `release` then need not wait for their removal. */
  noteLeaving(objects: DataClayObject[]): LeavingNote {
    return this.leaving.note(objects.map((o) => o.id));
  }

  /** The target of a failed move gave them back: a restart before `reclaim` is written takes them back too. */
  givenBack(note: LeavingNote, ids: readonly string[]): Promise<void> {
    return this.leaving.givenBack(note, ids);
  }

  /** A noted move that did not take the objects away: its note goes. */
  dropNote(note: LeavingNote): void {
    this.leaving.drop(note);
  }

  /**
   * Marks objects as leaving: from now on requests for them wait for the move to end. Then waits (a bounded time)
   * for calls already running on them. Returns the function that ends the move (with the new owner, or undefined).
   */
  async beginMove(
    objects: DataClayObject[],
    graceMs = 10_000,
    chain?: string,
  ): Promise<(owner: string | undefined) => void> {
    const { ownership, heap } = this.deps;
    // another move took one of them first (between our traversal and now): wait for it, then redirect
    for (
      let taken = objects.find((o) => ownership.isLeaving(o.id));
      taken;
      taken = objects.find((o) => ownership.isLeaving(o.id))
    ) {
      await ownership.owned(taken.id);
    }
    const finish = ownership.markLeaving(objects); // synchronously after the check: one move wins
    const until = Date.now() + graceMs;
    while (objects.some((o) => heap.pinnedByOthers(o.id, chain)) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 2));
    for (const o of objects) if (heap.pinnedByOthers(o.id, chain)) this.overrun.add(o.id);
    return finish;
  }

  /**
   * Takes ownership of objects shipped by another backend (a move): an instance this process already has (a
   * proxy) becomes the local object, so references to it here turn local; records and metadata are written.
   * `note`: the key of the source's leaving note, still being written when `from` shipped them: the metadata names
   * this backend only once the source has said the note is on disk (noted-moves.ts).
   */
  receive(records: TransferRecord[], note?: { key: string; from: string }): Promise<void> {
    const done = this.receiveNow(records, note);
    const settled = done.catch(() => undefined);
    for (const [id] of records) this.receiving.set(id, settled);
    void settled.then(() => {
      for (const [id] of records) if (this.receiving.get(id) === settled) this.receiving.delete(id);
    });
    return done;
  }

  private async receiveNow(records: TransferRecord[], note: { key: string; from: string } | undefined): Promise<void> {
    const { backendId, identity, replicas, registrar, store, ownership } = this.deps;
    const batch = new Map<string, DataClayObject>();
    for (const [id, className, dataset] of records) {
      const replica = replicas.drop(id, backendId, true);
      if (replica) dropFields(replica); // its read-only accessors go: the object is ours now
      const obj = replica ?? identity.get(id) ?? blank(classInfoByName(className), id);
      registrar.own(obj, dataset); // a moved object starts without replicas
      batch.set(id, obj);
    }
    const resolve = (id: string, cls: string, hint: string | null) =>
      batch.get(id) ?? ownership.resolveRef(id, cls, hint);
    for (const [id, , , stateBytes, shape] of records) {
      const obj = batch.get(id)!;
      // the sender's class may be another build's: its state evolves into ours (a newer one fails the move)
      restoreState(obj, evolveReceived(obj[STATE].info, id, decode(stateBytes, resolve), shape, hasStateHooks(obj)));
    }
    const objects = [...batch.values()];
    const finish = ownership.markLeaving(objects); // served once its record and metadata are written
    const carried = new Map<string, string[]>();
    try {
      // a new master, a new epoch: a copy the old master still sends to is refused (failover.md). The sender masters
      // the object at the metadata's epoch, so the records go to disk at the one after the sender's while the
      // metadata is read and written, not after it.
      const sent = new Map(records.map(([id, , , , , epoch]) => [id, epoch ?? 0]));
      for (const o of objects) this.deps.epochs.set(o.id, sent.get(o.id)! + 1);
      const saving = this.deps.writes.save(objects);
      const registering = async () => {
        const mds = await Promise.all(objects.map((o) => store.getObject(o.id)));
        const next = mds.map((md) => (md?.epoch ?? 0) + 1);
        const misnumbered = objects.filter((o, i) => next[i] !== this.deps.epochs.of(o.id));
        if (misnumbered.length > 0) {
          // a sender that no longer masters them at the metadata's epoch (or an older build that sends none): their
          // records go to disk at the metadata's next epoch before the metadata says it, or a crash in between would
          // leave a record older than the metadata, which the lease takes for lost and drops (the only copy)
          await saving;
          objects.forEach((o, i) => this.deps.epochs.set(o.id, next[i]));
          await this.deps.writes.rewrite(misnumbered);
        }
        if (note !== undefined && !(await this.noted.wait(note.key))) {
          // nothing names this backend for them: they go again, records and all, and the source keeps them
          await saving.catch(() => undefined);
          await this.release(objects, note.from);
          throw new MoveUnconfirmedError(
            objects.map((o) => o.id),
            this.deps.noteWaitMs,
          );
        }
        await Promise.all(
          objects.map((o, i) => {
            carried.set(
              o.id,
              (mds[i]?.replicas ?? []).filter((r) => r !== backendId),
            );
            const md = mds[i] ?? registrar.metadataOf(o);
            return store.putObject({ ...md, master: backendId, replicas: [], epoch: next[i] });
          }),
        );
      };
      // both ended before the receive does: a save that fails first must not leave the metadata write running past
      // the retire the source sends then (it would name this backend for objects it has given back)
      const [registered, saved] = await Promise.allSettled([registering(), saving]);
      if (registered.status === 'rejected') throw registered.reason;
      if (saved.status === 'rejected') throw saved.reason;
    } finally {
      finish(undefined);
    }
    // the old master's replicas hold its last state: they are this master's first choice for its own
    await this.deps.ensureBackups(objects, carried);
  }

  /**
   * Lets go of objects now owned by `owner`: no copy stays in memory or in the store; the instances become proxies.
   * With the note written when they started leaving, it resolves once that note is on disk (the records go after).
   */
  async release(objects: DataClayObject[], owner: string, note?: LeavingNote): Promise<void> {
    for (const obj of objects) {
      this.deps.heap.delete(obj.id);
      this.deps.epochs.delete(obj.id); // mastered elsewhere now: kept, every object that ever left would stay in memory
      this.deps.replicas.drop(obj.id, owner);
      toProxy(obj, owner);
    }
    if (note)
      await this.leaving.removeNoted(
        note,
        objects.map((o) => o.id),
      );
    else await Promise.all(objects.map((o) => this.deps.objects.remove(o.id)));
  }

  /**
   * Takes back objects whose move failed halfway: the metadata names this backend again. The target has let go of
   * them already, so until this is written nobody serves them: a metadata outage is waited out (within `budgetMs`),
   * not given up on after the store's own retries. Written by compare-and-set at the revision read: a change in
   * between (a replica placed or dropped, a promotion's epoch) is read again, never overwritten.
   */
  async reclaim(ids: string[], budgetMs = RECLAIM_BUDGET_MS): Promise<void> {
    const { store, backendId } = this.deps;
    const until = Date.now() + budgetMs;
    const reclaimOne = async (id: string) => {
      for (;;) {
        try {
          const entry = await store.getObjectEntry(id);
          if (!entry) return;
          const { md, revision } = entry;
          // master again at an epoch above the target's, which its backups took on: at the old one its own writes
          // would be fenced, and it would drop the object as lost (lease.ts). The record keeps the epoch first.
          const epoch = (md.epoch ?? 0) + 1;
          this.deps.epochs.set(id, epoch);
          const record = this.deps.objects.get(id);
          if (record) {
            const [className, dataset, state, replicas, shape] = record; // unchanged: a save would skip it
            await this.deps.objects.put(
              id,
              ObjectStore.encodeRecord([className, dataset, state, replicas, shape, epoch]),
            );
          }
          // the copies this backend keeps up to date (its own backups, refreshed by the target at its epoch)
          const replicas = this.deps.identity.get(id)?.[STATE].replicas ?? record?.[3] ?? md.replicas;
          if (
            (await store.updateObject({ ...md, master: backendId, epoch, replicas: [...replicas] }, revision)) !==
            undefined
          )
            return;
        } catch (err) {
          if (!(err instanceof MetadataUnreachableError) || Date.now() >= until) throw err;
        }
      }
    };
    await Promise.all(ids.map(reclaimOne));
  }
}

// Where an object's backups go (docs/failover.md): N live backends that have its class, are not draining and hold
// no copy yet, at random. Placed when an object is created (before it is acknowledged), received by a move (its old
// replicas first), or promoted (failover.ts), and again when a holder is gone or could not be reached.
import type { Logger } from 'pino';
import type { MetadataStore } from '../metadata/store.js';
import type { BackendInfo } from '../metadata/types.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { setReplicas } from '../object/lifecycle.js';
import { STATE } from '../object/state.js';
import { inBatches } from './in-batches.js';
import type { Moves } from './moves.js';
import type { ObjectStore } from './object-store.js';
import { ownedKind, type Ownership } from './ownership.js';
import type { Replicas } from './replicas.js';

export interface BackupPlacementDeps {
  backendId: string;
  /** Backups each object this backend masters gets (`--backups`). */
  backups: number;
  store: Pick<MetadataStore, 'listBackends'>;
  objects: Pick<ObjectStore, 'ids' | 'get' | 'has'>;
  replicas: Pick<Replicas, 'sendCopies' | 'changeReplicas' | 'retireLater' | 'retireOwed' | 'placing'>;
  ownership: Pick<Ownership, 'ownedHere'>;
  moves: Pick<Moves, 'beginMove'>;
  /**
   * The lease's re-check of an object after a gap (lease.ts): undefined when it may be served now. Placing backups
   * acts as the object's master (copies sent, metadata written): a backend that restarted on a store whose objects
   * were promoted elsewhere meanwhile must not send their stale states out, nor write their replicas.
   */
  gate: (id: string) => Promise<void> | undefined;
  /** The memory budget, applied after each slice placed: sending copies loads the objects it sends. */
  trim: () => void;
  log: Pick<Logger, 'info'>;
  onBackgroundError: (err: unknown) => void;
}

/** Objects placed together at most: each slice's copies are loaded to be sent, then the budget trims them. */
const PLACE_SLICE = 500;

export class BackupPlacement {
  /** Objects waiting for backups, placed one batch at a time apart from the ticks: promotions never wait for it. */
  private readonly unplaced = new Set<DataClayObject>();
  private placing: Promise<void> | undefined;
  /** Some object has fewer backups than asked (too few backends, or a placement failed): placed again next tick. */
  private shortAny: boolean;
  /** Objects whose backups could not all be placed, or lost one: looked at again once their records are stored. */
  private readonly shortNew = new Set<string>();

  constructor(private readonly rt: BackupPlacementDeps) {
    this.shortAny = rt.backups > 0;
  }

  /**
   * Each holder's incarnation (its `startedAt`) known to hold this backend's copies. A holder seen under another one
   * may have come back on an empty store (its disk replaced): it is `restarted` until its copies were sent again.
   * Kept while a holder is out of the live set, so one that comes back under a new start is noticed even when no
   * tick saw it gone; empty at this backend's own start, so every holder is sent its copies once then.
   */
  private readonly current = new Map<string, number>();
  /** Holders to send their copies again, with the incarnation that asked for it. */
  private readonly restarted = new Map<string, number>();
  /**
   * Copies or replica changes that failed, by holder, ever: a restarted holder is current only after a placement in
   * which none of its own failed (another holder's failure does not keep it from being current).
   */
  private readonly failures = new Map<string, number>();

  private failed(holders: Iterable<string>): void {
    this.shortAny = true;
    for (const h of holders) this.failures.set(h, (this.failures.get(h) ?? 0) + 1);
  }
  /** The live set at the last review: a holder that left it means placements are due, until one ran. */
  private knownLive = new Set<string>();

  /** The object has fewer backups than asked now (a holder could not be reached): placed again at the next tick. */
  short(obj: DataClayObject): void {
    this.shortNew.add(obj.id);
  }

  /** Backups for these objects, soon (one placement at a time); resolves when the placement running ends. */
  place(objects: DataClayObject[]): Promise<void> {
    for (const o of objects) this.unplaced.add(o);
    this.placing ??= (async () => {
      while (this.unplaced.size > 0) {
        const batch = [...this.unplaced];
        this.unplaced.clear();
        for (let i = 0; i < batch.length; i += PLACE_SLICE) {
          await this.ensure(batch.slice(i, i + PLACE_SLICE)).catch((err) => this.rt.onBackgroundError(err));
          this.rt.trim();
        }
      }
    })().finally(() => (this.placing = undefined));
    return this.placing;
  }

  /**
   * At a tick of failover.ts, with the live set: when a backend left it, one came back under a new start, or some
   * object came up short, the objects that need backups are placed. What asked for it is kept until a placement
   * ran (one still running when it is seen defers it, it is never dropped).
   */
  review(backends: readonly Pick<BackendInfo, 'id' | 'startedAt'>[]): void {
    const live = new Set(backends.map((b) => b.id));
    if ([...this.knownLive].some((id) => !live.has(id))) this.shortAny = true;
    this.knownLive = live;
    this.rt.replicas.retireOwed(live);
    for (const { id, startedAt } of backends) {
      if (id === this.rt.backendId || this.current.get(id) === startedAt || this.restarted.get(id) === startedAt)
        continue;
      if (this.current.has(id))
        this.rt.log.info({ holder: id, startedAt }, 'a holder started again: its copies go again');
      this.restarted.set(id, startedAt);
    }
    const stale = this.restarted.size > 0;
    if (this.rt.backups === 0 || !(stale || this.shortAny || this.shortNew.size > 0) || this.placing) return;
    this.shortAny = false;
    const refreshing = [...this.restarted];
    const fresh = [...this.shortNew].flatMap((id) => {
      if (!this.rt.objects.has(id)) return []; // its registration is still writing it (or failed): next tick
      this.shortNew.delete(id);
      return this.rt.ownership.ownedHere(id) ?? [];
    });
    const due = [...new Set([...this.needingBackups(live), ...fresh])];
    if (refreshing.length > 0 && this.current.size > 0)
      this.rt.log.info({ holders: refreshing.map(([id]) => id), objects: due.length }, 'placing backups again');
    const failuresBefore = new Map(refreshing.map(([id]) => [id, this.failures.get(id) ?? 0]));
    const placed = this.place(due);
    // the copies of a restarted holder are sent again by this placement: once it ran with none of them failed, that
    // incarnation is current, unless the holder restarted again meanwhile (a failure: the next tick sends again)
    void placed.then(() => {
      for (const [id, startedAt] of refreshing) {
        if ((this.failures.get(id) ?? 0) !== failuresBefore.get(id)) continue;
        this.current.set(id, startedAt);
        if (this.restarted.get(id) === startedAt) this.restarted.delete(id);
      }
    });
  }

  async stop(): Promise<void> {
    this.unplaced.clear();
    await this.placing;
  }

  /** Objects this backend masters whose records name fewer live backups than asked (from the records, unloaded). */
  private needingBackups(live: Set<string>): DataClayObject[] {
    const out: DataClayObject[] = [];
    for (const id of this.rt.objects.ids()) {
      const replicas = this.rt.objects.get(id)?.[3] ?? [];
      if (replicas.length >= this.rt.backups && replicas.every((r) => live.has(r) && !this.restarted.has(r))) continue;
      const obj = this.rt.ownership.ownedHere(id);
      if (obj) out.push(obj);
    }
    return out;
  }

  /**
   * Gives each object N live backups: holders that are gone are replaced by live backends that have the class, are
   * not draining and hold no copy yet (those of `had` first: a moved object's old replicas, which are retired when not
   * chosen). While copies are sent the objects are held as for a move (calls wait): a write in between would reach
   * the old holders only.
   */
  async ensure(objects: DataClayObject[], had?: Map<string, string[]>): Promise<void> {
    const n = this.rt.backups;
    // without backups, only old replicas to retire make work: a move of objects that had none (the common case) has none
    const retiring = had !== undefined && [...had.values()].some((replicas) => replicas.length > 0);
    if (objects.length === 0 || (n === 0 && !retiring)) return;
    // a re-check that finds the object lost drops it here (its state turns into a proxy's, skipped below)
    await inBatches(objects, async (o) => this.rt.gate(o.id)?.catch(() => undefined));
    const live = (await this.rt.store.listBackends()).filter((b) => b.id !== this.rt.backendId);
    const liveIds = new Set(live.map((b) => b.id));
    const kept = new Map<DataClayObject, string[]>();
    const byTarget = new Map<string, DataClayObject[]>();
    const retired = new Map<string, string[]>();
    for (const obj of objects) {
      // not loaded to be looked at: an evicted object keeps its replicas, and most need no new one
      const state = obj[STATE];
      if (!ownedKind(state)) continue; // moved or deleted meanwhile
      const replicas = this.replicasOf(obj);
      const now = replicas.filter(this.keeping(liveIds));
      const able = live
        .filter((b) => !b.draining && !now.includes(b.id) && b.classes.includes(state.info.name))
        .map((b) => b.id);
      // a restarted holder is chosen again first (sent a fresh copy), else told to retire what it may still hold
      const stale = replicas.filter((r) => this.restarted.has(r));
      const before = [...new Set([...(had?.get(obj.id) ?? []), ...stale])];
      const first = before.filter((r) => able.includes(r));
      const added = [...first, ...shuffled(able.filter((r) => !first.includes(r)))].slice(
        0,
        Math.max(0, n - now.length),
      );
      // one the state names is dropped by the change below, and told once the metadata no longer names it (rewrite)
      for (const r of before)
        if (!added.includes(r) && !replicas.includes(r)) retired.set(r, [...(retired.get(r) ?? []), obj.id]);
      if (now.length + added.length < n) this.shortAny = true;
      if (added.length === 0 && now.length === replicas.length) continue;
      kept.set(obj, now);
      for (const t of added) byTarget.set(t, [...(byTarget.get(t) ?? []), obj]);
    }
    // at a tick, through the checks of the owed ones: a placement running beside this one may be naming it
    for (const [holder, ids] of retired) this.rt.replicas.retireLater(holder, ids);
    if (kept.size === 0) return;
    const held = [...kept.keys()];
    const finish = await this.rt.moves.beginMove(held);
    // what the objects' replicas are once held: a push that failed while this placement waited for the running
    // calls dropped its holder, which must not come back with what was read before (it missed that write)
    for (const obj of held) {
      const now = ownedKind(obj[STATE]) ? this.replicasOf(obj) : [];
      kept.set(obj, now.filter(this.keeping(liveIds)));
    }
    for (const [target, list] of byTarget)
      byTarget.set(
        target,
        list.filter((o) => ownedKind(o[STATE]) && !kept.get(o)!.includes(target)),
      );
    const sent = new Map<DataClayObject, string[]>(held.map((o) => [o, []]));
    // no retire owed to a target names these objects until their replica changes ran
    const placed = [...byTarget].map(([target, list]) =>
      this.rt.replicas.placing(
        target,
        list.map((o) => o.id),
      ),
    );
    try {
      await Promise.all(
        [...byTarget].map(async ([target, list]) => {
          try {
            await this.rt.replicas.sendCopies(target, list);
            for (const o of list) sent.get(o)!.push(target);
          } catch (err) {
            this.rt.onBackgroundError(err);
            this.failed([target]);
            // a copy that timed out may be on its disk all the same: told once nothing here names it for them
            this.rt.replicas.retireLater(
              target,
              list.map((o) => o.id),
            );
          }
        }),
      );
      // the replicas as they are when this change's turn comes (a failed push may drop a holder until then),
      // without the gone and restarted ones, with the new holders that took their copies
      const edit = (obj: DataClayObject) => (now: readonly string[]) => {
        const next = [...now.filter(this.keeping(liveIds)), ...sent.get(obj)!];
        if (new Set(next).size < n) this.shortAny = true;
        return next;
      };
      await inBatches(held, async (obj) => {
        if (!ownedKind(obj[STATE])) return; // moved or deleted while it waited
        await this.rt.replicas.changeReplicas(obj, edit(obj)).catch((err) => {
          this.rt.onBackgroundError(err);
          this.failed(sent.get(obj)!);
        });
      });
    } finally {
      for (const done of placed) done();
      finish(undefined);
    }
  }

  /**
   * An object's replicas without loading it: an evicted one's from its record, which every replica change writes (its
   * state keeps what it had when evicted, and a shell made since, after a restart or once the instance was
   * collected, knows none).
   */
  private replicasOf(obj: DataClayObject): readonly string[] {
    const state = obj[STATE];
    if (state.kind === 'evicted') return this.rt.objects.get(state.id)?.[3] ?? state.replicas ?? [];
    return state.replicas ?? [];
  }

  /** Which of an object's holders a placement keeps: live ones, not waiting for their copies again. */
  private keeping(liveIds: Set<string>): (holder: string) => boolean {
    return (r) => liveIds.has(r) && !this.restarted.has(r);
  }

  /**
   * Backups for objects being created here (registration.ts): chosen and sent before the objects' records and
   * metadata are written, so what is acknowledged has its copies. A holder that fails is left out (placed again
   * later); the copies of a creation that fails after this are dropped by their holders (no metadata names them).
   */
  async placeNew(objects: DataClayObject[]): Promise<void> {
    const n = this.rt.backups;
    if (n === 0 || objects.length === 0) return;
    const live = (await this.rt.store.listBackends()).filter((b) => b.id !== this.rt.backendId && !b.draining);
    const byTarget = new Map<string, DataClayObject[]>();
    for (const obj of objects) {
      const info = obj[STATE].info;
      const targets = shuffled(live.filter((b) => b.classes.includes(info.name)).map((b) => b.id)).slice(0, n);
      if (targets.length < n) this.shortNew.add(obj.id);
      setReplicas(obj, targets);
      for (const t of targets) byTarget.set(t, [...(byTarget.get(t) ?? []), obj]);
    }
    await Promise.all(
      [...byTarget].map(async ([target, list]) => {
        try {
          await this.rt.replicas.sendCopies(target, list);
        } catch (err) {
          this.rt.onBackgroundError(err);
          for (const o of list) {
            this.shortNew.add(o.id);
            setReplicas(
              o,
              o[STATE].replicas?.filter((r) => r !== target),
            );
          }
        }
      }),
    );
  }
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// Failover (docs/failover.md): backups are replicas (replicas.ts) that take over. With `--backups N` every object
// this backend masters keeps N copies on other live backends, placed when it is created or received and placed again
// when a holder goes. When the master of a copy held here is dead, this backend promotes the copy: a compare-and-set
// of the object's metadata at epoch + 1 (two backups cannot both win), then the copy becomes the object, and its
// backups are made whole again.
import type { Logger } from 'pino';
import { BACKEND_STALE_MS, HEARTBEAT_MS, type MetadataStore } from '../metadata/store.js';
import type { ObjectMetadata } from '../metadata/types.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { evolveReceived } from '../object/evolution.js';
import { setReplicas } from '../object/lifecycle.js';
import { dropFields } from '../object/locality.js';
import { hasStateHooks, restoreState } from '../object/object-state.js';
import { STATE } from '../object/state.js';
import { decode } from '../serialization/codec.js';
import type { Epochs } from './epochs.js';
import type { Lease } from './lease.js';
import type { Moves } from './moves.js';
import type { ObjectStore } from './object-store.js';
import type { Ownership } from './ownership.js';
import type { Registrar } from './registration.js';
import type { Replicas } from './replicas.js';
import type { WriteThrough } from './write-through.js';

/** How often the backend looks for dead masters of the copies it holds, and for backups to place again. */
const TICK_MS = 500;
/** How long a replaced backend waits at most for its predecessor's objects to be promoted. */
const PREDECESSOR_WAIT_MS = 60_000;
/** Promotions (or placements) in flight at once. */
const IN_FLIGHT = 8;

export interface FailoverDeps {
  backendId: string;
  /** Backups each object this backend masters gets (`--backups`). */
  backups: number;
  store: Pick<
    MetadataStore,
    'getObjectEntry' | 'updateObject' | 'listBackends' | 'backendStamp' | 'backendRecordStamp' | 'serverNow'
  >;
  objects: Pick<ObjectStore, 'ids' | 'get' | 'has' | 'removeBackup'>;
  replicas: Pick<
    Replicas,
    'heldByMaster' | 'copy' | 'fence' | 'drop' | 'forget' | 'sendCopies' | 'setReplicas' | 'retireCopies'
  >;
  ownership: Pick<Ownership, 'ownedHere' | 'load' | 'markLeaving' | 'resolver'>;
  registrar: Pick<Registrar, 'own'>;
  writes: Pick<WriteThrough, 'save'>;
  moves: Pick<Moves, 'beginMove'>;
  epochs: Epochs;
  lease: Pick<Lease, 'claim'>;
  log: Pick<Logger, 'info' | 'warn'>;
  onBackgroundError: (err: unknown) => void;
}

export class Failover {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private knownLive = new Set<string>();
  /** Objects waiting for backups, placed one batch at a time apart from the ticks: promotions never wait for it. */
  private readonly unplaced = new Set<DataClayObject>();
  private placing: Promise<void> | undefined;
  /** Some object has fewer backups than asked (too few backends, or a placement failed): placed again next tick. */
  private shortAny: boolean;
  /** Objects whose backups could not all be placed, or lost one: looked at again once their records are in the store. */
  private readonly shortNew = new Set<string>();

  constructor(private readonly rt: FailoverDeps) {
    this.shortAny = rt.backups > 0;
  }

  /** The object has fewer backups than asked now (a holder could not be reached): placed again at the next tick. */
  short(obj: DataClayObject): void {
    this.shortNew.add(obj.id);
  }

  /** Finishes what a crash cut short (copies promoted, copies no longer wanted), then watches. */
  start(): void {
    this.running = this.recover()
      .catch((err) => this.rt.onBackgroundError(err))
      .finally(() => (this.running = undefined));
    this.timer = setInterval(() => {
      this.running ??= this.tick()
        .catch((err) => this.rt.onBackgroundError(err))
        .finally(() => (this.running = undefined));
    }, TICK_MS).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    this.unplaced.clear();
    await this.placing;
  }

  /** Backups for these objects, soon (one placement at a time). */
  private place(objects: DataClayObject[]): void {
    for (const o of objects) this.unplaced.add(o);
    this.placing ??= (async () => {
      while (this.unplaced.size > 0) {
        const batch = [...this.unplaced];
        this.unplaced.clear();
        await this.ensure(batch).catch((err) => this.rt.onBackgroundError(err));
      }
    })().finally(() => (this.placing = undefined));
  }

  /**
   * Whether this backend's own view of liveness can be trusted: its own heartbeat came back through the watch
   * lately. A backend whose heartbeats fail, or whose watch stalled, sees every other one as old: it judges nobody.
   */
  private viewHealthy(): boolean {
    const own = this.rt.store.backendStamp(this.rt.backendId);
    return own !== undefined && this.rt.store.serverNow() - own < HEARTBEAT_MS + 2_000;
  }

  private async tick(): Promise<void> {
    if (!this.viewHealthy()) return;
    const live = new Set((await this.rt.store.listBackends()).map((b) => b.id));
    for (const [master, ids] of this.rt.replicas.heldByMaster()) {
      if (!live.has(master) && master !== this.rt.backendId) await this.promoteAll(master, ids);
    }
    const lost = [...this.knownLive].some((id) => !live.has(id));
    this.knownLive = live;
    if (this.rt.backups > 0 && (lost || this.shortAny || this.shortNew.size > 0) && !this.placing) {
      this.shortAny = false;
      const fresh = [...this.shortNew].flatMap((id) => {
        if (!this.rt.objects.has(id)) return []; // its registration is still writing it (or failed): next tick
        this.shortNew.delete(id);
        return this.rt.ownership.ownedHere(id) ?? [];
      });
      this.place([...new Set([...this.needingBackups(live), ...fresh])]);
    }
  }

  /** The dead master's objects held here, promoted where the metadata agrees it is dead. */
  private async promoteAll(master: string, ids: string[]): Promise<void> {
    // the clock before the read: the master wrote nothing since its stamp, up to at least this server time
    const before = this.rt.store.serverNow();
    const lastBeat = (await this.rt.store.backendRecordStamp(master)) ?? Number.NEGATIVE_INFINITY;
    if (before - lastBeat < BACKEND_STALE_MS) return; // alive after all (the watch lags): not dead
    const promoted: DataClayObject[] = [];
    await inBatches(ids, async (id) => {
      const obj = await this.promote(id, master, before, lastBeat);
      if (obj) promoted.push(obj);
    });
    if (promoted.length > 0) {
      this.rt.log.info(
        { count: promoted.length, from: master, ids: promoted.slice(0, 5).map((o) => o.id) },
        'promoted',
      );
      await this.ensure(promoted);
    }
  }

  /** One copy: the object, if this backend masters it now. */
  private async promote(
    id: string,
    master: string,
    before: number,
    lastBeat: number,
  ): Promise<DataClayObject | undefined> {
    const entry = await this.rt.store.getObjectEntry(id);
    if (!entry) return this.dropCopy(id, master, 'its object is gone');
    const { md, revision, stamp } = entry;
    if (md.master === this.rt.backendId) return this.takeOver(id, md); // promoted before a crash here
    if (md.forward !== undefined || !md.replicas.includes(this.rt.backendId))
      return this.dropCopy(id, md.master, 'its master no longer counts on it');
    if (md.master !== master) return undefined; // promoted elsewhere or moved: the new master refreshes this copy
    // the metadata is the master's heartbeat too: a master that re-checked it after a pause wrote it back
    if (before - Math.max(lastBeat, stamp) < BACKEND_STALE_MS) return undefined;
    const epoch = (md.epoch ?? 0) + 1;
    const held = this.rt.replicas.fence(id, epoch); // the old master's writes are refused here from now on
    const rest = md.replicas.filter((r) => r !== this.rt.backendId && r !== master);
    const next: ObjectMetadata = { ...md, master: this.rt.backendId, replicas: rest, epoch };
    if ((await this.rt.store.updateObject(next, revision)) === undefined) {
      this.rt.replicas.fence(id, held); // another backup won, or the master came back: follow the metadata
      return undefined;
    }
    return this.takeOver(id, next);
  }

  /**
   * The copy held here becomes the object, at the metadata's epoch, with the metadata's other replicas: its record
   * is written before the copy's is removed (a crash between leaves both, and the next start finishes it).
   */
  private async takeOver(id: string, md: ObjectMetadata): Promise<DataClayObject | undefined> {
    const copy = this.rt.replicas.copy(id);
    if (!copy) return undefined;
    const { obj, state, shape } = copy;
    const finish = this.rt.ownership.markLeaving([obj]); // requests wait until it is the object
    try {
      this.rt.replicas.forget(id);
      dropFields(obj); // the copy's read-only accessors
      this.rt.registrar.own(obj, md.dataset);
      setReplicas(
        obj,
        md.replicas.filter((r) => r !== this.rt.backendId),
      );
      this.rt.epochs.set(id, md.epoch);
      this.rt.lease.claim(id);
      const info = obj[STATE].info;
      restoreState(obj, evolveReceived(info, id, decode(state, this.rt.ownership.resolver), shape, hasStateHooks(obj)));
      await this.rt.writes.save([obj]); // its record, and the state at the new epoch to the other replicas
      await this.rt.objects.removeBackup(id);
      return obj;
    } finally {
      finish(undefined);
    }
  }

  private dropCopy(id: string, owner: string, why: string): undefined {
    this.rt.replicas.drop(id, owner);
    this.rt.log.info({ id, owner }, `dropped a backup copy: ${why}`);
    return undefined;
  }

  /** At start: each copy held is checked against the metadata (one read each). */
  private async recover(): Promise<void> {
    for (const [master, ids] of this.rt.replicas.heldByMaster()) {
      await inBatches(ids, async (id) => {
        const entry = await this.rt.store.getObjectEntry(id);
        if (!entry) this.dropCopy(id, master, 'its object is gone');
        else if (entry.md.master === this.rt.backendId) await this.takeOver(id, entry.md);
        else if (entry.md.forward !== undefined || !entry.md.replicas.includes(this.rt.backendId))
          this.dropCopy(id, entry.md.master, 'its master no longer counts on it');
      });
    }
  }

  /** Objects this backend masters whose records name fewer live backups than asked (from the records, unloaded). */
  private needingBackups(live: Set<string>): DataClayObject[] {
    const out: DataClayObject[] = [];
    for (const id of this.rt.objects.ids()) {
      const replicas = this.rt.objects.get(id)?.[3] ?? [];
      if (replicas.length >= this.rt.backups && replicas.every((r) => live.has(r))) continue;
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
    if (objects.length === 0 || (n === 0 && !had)) return;
    const live = (await this.rt.store.listBackends()).filter((b) => b.id !== this.rt.backendId);
    const liveIds = new Set(live.map((b) => b.id));
    const kept = new Map<DataClayObject, string[]>();
    const byTarget = new Map<string, DataClayObject[]>();
    const retired = new Map<string, string[]>();
    for (const obj of objects) {
      const state = this.rt.ownership.load(obj);
      if (state.kind !== 'owned') continue; // moved or deleted meanwhile
      const now = (state.replicas ?? []).filter((r) => liveIds.has(r));
      const able = live
        .filter((b) => !b.draining && !now.includes(b.id) && b.classes.includes(state.info.name))
        .map((b) => b.id);
      const before = had?.get(obj.id) ?? [];
      const first = before.filter((r) => able.includes(r));
      const added = [...first, ...shuffled(able.filter((r) => !first.includes(r)))].slice(
        0,
        Math.max(0, n - now.length),
      );
      for (const r of before) if (!added.includes(r)) retired.set(r, [...(retired.get(r) ?? []), obj.id]);
      if (now.length + added.length < n) this.shortAny = true;
      if (added.length === 0 && now.length === (state.replicas?.length ?? 0)) continue;
      kept.set(obj, now);
      for (const t of added) byTarget.set(t, [...(byTarget.get(t) ?? []), obj]);
    }
    for (const [holder, ids] of retired) this.rt.replicas.retireCopies(holder, ids);
    if (kept.size === 0) return;
    const held = [...kept.keys()];
    const finish = await this.rt.moves.beginMove(held);
    try {
      await Promise.all(
        [...byTarget].map(async ([target, list]) => {
          try {
            await this.rt.replicas.sendCopies(target, list);
            for (const o of list) kept.get(o)!.push(target);
          } catch (err) {
            this.rt.onBackgroundError(err);
            this.shortAny = true;
          }
        }),
      );
      await inBatches(held, (obj) =>
        this.rt.replicas.setReplicas(obj, kept.get(obj)!).catch((err) => this.rt.onBackgroundError(err)),
      );
    } finally {
      finish(undefined);
    }
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

async function inBatches<T>(items: T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * A backend that starts on an empty store under an id the cluster knows (its disk was replaced) must not answer for
 * that id before the objects its predecessor mastered were promoted: while the id's heartbeat is fresh no backup
 * takes over, and the cluster would ask an empty store for them. It waits until that heartbeat is older than a
 * promotion needs, then until the metadata names it the master of nothing (the backups took over), at most
 * PREDECESSOR_WAIT_MS: what is left then had no backup, and is lost.
 */
export async function awaitPredecessor(
  store: Pick<MetadataStore, 'backendRecordStamp' | 'serverNow' | 'listBackends' | 'listObjects'>,
  id: string,
  log: Pick<Logger, 'info' | 'warn'>,
): Promise<void> {
  await store.listBackends(); // the watch has read the bucket: the server's clock is known
  const last = await store.backendRecordStamp(id);
  if (last === undefined) return;
  // a copy can be promoted once both the master's last heartbeat and the object's last metadata write (no later than
  // the master's death, a heartbeat after its last one) are BACKEND_STALE_MS old
  const waitMs = last + HEARTBEAT_MS + BACKEND_STALE_MS - store.serverNow();
  log.info(
    { waitMs: Math.max(0, Math.round(waitMs)) },
    'empty store under a known id: waiting for its objects to be promoted',
  );
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  const until = performance.now() + PREDECESSOR_WAIT_MS;
  for (;;) {
    const left = (await store.listObjects({ backendId: id }, 1)).objects.length;
    if (left === 0) return;
    if (performance.now() > until) {
      log.warn('empty store under a known id: objects still name this backend, and nothing here holds them');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 4 * TICK_MS));
  }
}

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
import type { BackupPlacement } from './backup-placement.js';
import { inBatches } from './in-batches.js';
import type { Epochs } from './epochs.js';
import type { Lease } from './lease.js';
import type { ObjectStore } from './object-store.js';
import type { Ownership } from './ownership.js';
import type { Registrar } from './registration.js';
import type { Replicas } from './replicas.js';
import type { WriteThrough } from './write-through.js';

/** How often the backend looks for dead masters of the copies it holds, and for backups to place again. */
const TICK_MS = 500;
/** How long a replaced backend waits at most for its predecessor's objects to be promoted. */
const PREDECESSOR_WAIT_MS = 60_000;
/** Copies checked against the metadata at each tick: a retire that never arrived (its holder was down) leaks one. */
const SCRUB_PER_TICK = 4;
/**
 * Only a copy its master sent nothing for this long is judged: a copy is sent before the metadata names its holder
 * (a create, a placement), and that write may ride out a metadata outage (kv-retry.ts: 15 s).
 */
const SCRUB_QUIET_MS = 30_000;

export interface FailoverDeps {
  backendId: string;
  store: Pick<
    MetadataStore,
    | 'getObjectEntry'
    | 'updateObject'
    | 'listBackends'
    | 'backendStamp'
    | 'backendRecordStamp'
    | 'serverNow'
    | 'liveSetHealthy'
    | 'deleteAliasesOf'
    | 'deleteObject'
  >;
  objects: Pick<ObjectStore, 'removeBackup'>;
  replicas: Pick<
    Replicas,
    'heldByMaster' | 'masters' | 'heldFrom' | 'info' | 'copy' | 'fence' | 'drop' | 'forget' | 'quietFor' | 'revision'
  >;
  ownership: Pick<Ownership, 'markLeaving' | 'resolver'>;
  registrar: Pick<Registrar, 'own'>;
  writes: Pick<WriteThrough, 'save' | 'enforceBudget'>;
  epochs: Epochs;
  lease: Pick<Lease, 'claim'>;
  placement: Pick<BackupPlacement, 'place' | 'review' | 'stop'>;
  log: Pick<Logger, 'info' | 'warn'>;
  onBackgroundError: (err: unknown) => void;
}

export class Failover {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** The copies left to check in this pass of the scrub (a few each tick). */
  private scrubbing: string[] = [];
  constructor(private readonly rt: FailoverDeps) {}

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
    await this.rt.placement.stop();
  }

  /**
   * Whether this backend's own view of liveness can be trusted: its own heartbeat came back through the watch
   * lately, and the watch delivers (live-set.ts). A backend whose heartbeats fail, or whose watch stalled (a stream
   * leader being elected), sees every other one as old: it judges nobody.
   */
  private viewHealthy(): boolean {
    const own = this.rt.store.backendStamp(this.rt.backendId);
    return (
      this.rt.store.liveSetHealthy() && own !== undefined && this.rt.store.serverNow() - own < HEARTBEAT_MS + 2_000
    );
  }

  private async tick(): Promise<void> {
    if (!this.viewHealthy()) return;
    const backends = await this.rt.store.listBackends();
    const live = new Set(backends.map((b) => b.id));
    for (const master of this.rt.replicas.masters()) {
      if (!live.has(master) && master !== this.rt.backendId)
        await this.promoteAll(master, this.rt.replicas.heldFrom(master));
    }
    this.rt.placement.review(backends);
    await this.scrub();
  }

  /**
   * A few copies a tick, checked against the metadata: one whose object is gone, or whose metadata no longer names
   * this holder, goes (the retire that should have said so was lost). A copy refreshed while it was read is kept.
   */
  private async scrub(): Promise<void> {
    if (this.scrubbing.length === 0) this.scrubbing = this.rt.replicas.quietFor(SCRUB_QUIET_MS);
    await Promise.all(
      this.scrubbing.splice(0, SCRUB_PER_TICK).map(async (id) => {
        const revision = this.rt.replicas.revision(id);
        const entry = await this.rt.store.getObjectEntry(id);
        const copy = this.rt.replicas.info(id);
        if (!copy || copy.revision !== revision) return;
        const { master } = copy;
        if (!entry) this.dropCopy(id, master, 'its object is gone');
        else if (entry.md.master === this.rt.backendId)
          return; // a promotion of it runs (or ran): not judged here
        else if (entry.md.forward !== undefined || !entry.md.replicas.includes(this.rt.backendId))
          this.dropCopy(id, entry.md.master, 'its master no longer counts on it');
      }),
    );
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
      this.rt.placement.place(promoted); // apart from the ticks: the next dead master is not kept waiting
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
    if (md.deleting) return this.finishDelete(id, master);
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
      this.rt.writes.enforceBudget(); // a promoted object is loaded: the budget holds however many are promoted
      return obj;
    } finally {
      finish(undefined);
    }
  }

  /**
   * The dead master was deleting the object (its mark is on the metadata): the delete was never acknowledged, so it
   * may end either way, but a promotion would serve an object whose aliases may be gone already. It is finished here,
   * in the order a delete takes (deletion.ts): aliases, then the metadata; a second backup doing the same is harmless.
   */
  private async finishDelete(id: string, master: string): Promise<undefined> {
    await this.rt.store.deleteAliasesOf(id);
    await this.rt.store.deleteObject(id);
    return this.dropCopy(id, master, 'its master died deleting it: the delete is finished');
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
    if (!(await namesAny(store, id))) return;
    if (performance.now() > until) {
      log.warn('empty store under a known id: objects still name this backend, and nothing here holds them');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 4 * TICK_MS));
  }
}

/** Whether the metadata names `id` the master of any object (a page may be empty and still have a next one). */
async function namesAny(store: Pick<MetadataStore, 'listObjects'>, id: string): Promise<boolean> {
  let cursor: string | undefined;
  do {
    const page = await store.listObjects({ backendId: id }, 100, cursor);
    if (page.objects.length > 0) return true;
    cursor = page.cursor;
  } while (cursor);
  return false;
}

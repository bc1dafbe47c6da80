// Fencing on the master's side (docs/failover.md). A backend may serve and write the objects it masters while its
// lease holds: a heartbeat it sent less than BACKEND_STALE_MS - LEASE_MARGIN_MS ago is stored. Other backends take
// a master for dead only once its last heartbeat is BACKEND_STALE_MS old (failover.ts), so the lease runs out first.
// After a gap (paused, cut off, or just started), nothing it masters is served again before the metadata was read
// and written back unchanged at its revision: a promotion that read the record earlier then loses its
// compare-and-set, and an object another backend masters now is dropped here (demoted), logged.
import type { Logger } from 'pino';
import { BackendUnavailableError, FencedError } from '../errors.js';
import type { MetadataStore } from '../metadata/store.js';
import { BACKEND_STALE_MS } from '../metadata/store.js';
import type { ObjectMetadata } from '../metadata/types.js';
import { toProxy } from '../object/lifecycle.js';
import { detached } from '../serialization/strings.js';
import type { Epochs } from './epochs.js';
import type { Heap } from './heap.js';
import type { ObjectStore } from './object-store.js';
import type { Ownership } from './ownership.js';

/** How much earlier than the others' verdict a master stops trusting itself: the clocks' and stamps' slack. */
export const LEASE_MARGIN_MS = 1_000;
/** When the second sweep after a gap runs. */
const RESWEEP_MS = 2 * BACKEND_STALE_MS;

export interface LeaseDeps {
  backendId: string;
  store: Pick<MetadataStore, 'getObjectEntry' | 'updateObject' | 'getObject'>;
  objects: Pick<ObjectStore, 'has' | 'remove' | 'ids'>;
  heap: Pick<Heap, 'has' | 'delete'>;
  ownership: () => Pick<Ownership, 'ownedHere'>;
  epochs: Epochs;
  /** Whether the object has replicas (none: nobody can have been promoted in its place, so no re-check is due). */
  replicated: (id: string) => boolean;
  /**
   * Most claims kept (a backend under a memory budget): past it the oldest go. A claim dropped costs one re-check
   * of its object's metadata on its next request; kept for every object ever made here, claims would hold memory for
   * each stored object, not each loaded one.
   */
  claimLimit?: number;
  log: Pick<Logger, 'info' | 'warn'>;
  onBackgroundError: (err: unknown) => void;
}

export class Lease {
  /** performance.now() until which the lease holds. */
  private until = Number.NEGATIVE_INFINITY;
  /** Between a gap's start and the next stored heartbeat. A backend starts in one: it may have been replaced. */
  private inGap = true;
  /** Objects confirmed since the last gap (or created, received, promoted here: mastered by this backend for sure). */
  private readonly confirmed = new Set<string>();
  private readonly confirming = new Map<string, Promise<void>>();
  private waiters: (() => void)[] = [];

  constructor(private readonly deps: LeaseDeps) {}

  /** A heartbeat sent at `sentAt` (performance.now()) is stored. */
  renewed(sentAt: number): void {
    const gap = this.inGap || sentAt > this.until;
    if (gap) this.lapse();
    this.until = Math.max(this.until, sentAt + BACKEND_STALE_MS - LEASE_MARGIN_MS);
    this.inGap = false;
    for (const wake of this.waiters.splice(0)) wake();
    if (gap) {
      void this.sweep().catch((err) => this.deps.onBackgroundError(err));
      // a backup that read this backend's old heartbeat before the gap ended may still promote after the sweep read
      // the metadata: a second sweep once any such promotion is done drops what it took (requests are gated anyway)
      setTimeout(() => void this.sweep().catch((err) => this.deps.onBackgroundError(err)), RESWEEP_MS).unref();
    }
  }

  get valid(): boolean {
    return performance.now() < this.until;
  }

  /** This backend masters the object for sure (it created, received or promoted it): no re-check needed. */
  claim(id: string): void {
    this.remember(id);
  }

  private remember(id: string): void {
    if (this.confirmed.has(id)) return;
    this.confirmed.add(detached(id));
    const limit = this.deps.claimLimit ?? Number.POSITIVE_INFINITY;
    if (this.confirmed.size <= limit) return;
    for (const oldest of this.confirmed) {
      this.confirmed.delete(oldest); // a Set iterates in insertion order: the first is the oldest
      if (this.confirmed.size <= limit) return;
    }
  }

  /**
   * The budget evicted the object. One without replicas is never re-checked (gate), so its claim is dropped: kept,
   * the claims of every object ever created here would hold memory for each stored object, not each loaded one. If
   * it gains replicas later, its first request after that re-checks it once. A replicated one's claim stays, up to
   * `claimLimit`.
   */
  evicted(id: string, replicated: boolean): void {
    if (!replicated) this.confirmed.delete(id);
  }

  /** For ownership.ts: undefined when the object may be served now, else the re-check to wait for. */
  gate(id: string): Promise<void> | undefined {
    if (!this.valid) this.lapse();
    else if (this.confirmed.has(id)) return undefined;
    if (!this.deps.heap.has(id) && !this.deps.objects.has(id)) return undefined; // not ours: ownership answers
    if (!this.deps.replicated(id)) return undefined;
    let confirming = this.confirming.get(id);
    if (!confirming) {
      confirming = this.confirm(id).finally(() => this.confirming.delete(id));
      this.confirming.set(id, confirming);
    }
    return confirming;
  }

  private lapse(): void {
    if (this.inGap) return;
    this.inGap = true;
    this.confirmed.clear();
    this.deps.log.warn('liveness gap: every object this backend masters is re-checked before it is served again');
  }

  /** Resolves once a heartbeat is stored after the gap; a backend cut off for long answers that it is unavailable. */
  private renewal(): Promise<void> {
    if (this.valid && !this.inGap) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(new BackendUnavailableError(this.deps.backendId));
      }, 2 * BACKEND_STALE_MS);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(wake);
    });
  }

  private async confirm(id: string): Promise<void> {
    await this.renewal();
    for (;;) {
      const mine = this.deps.epochs.of(id);
      const entry = await this.deps.store.getObjectEntry(id);
      if (!entry || entry.md.forward !== undefined) return; // a create in flight, or none: ownership answers
      if (this.deps.epochs.of(id) !== mine) return; // promoted or received here meanwhile: this backend's for sure
      const { md, revision } = entry;
      if (this.lost(id, md)) {
        await this.demote(id, md);
        throw new FencedError(id, md.master, md.epoch ?? 0);
      }
      if ((await this.deps.store.updateObject(md, revision)) !== undefined) {
        if (!this.inGap) this.remember(id);
        return;
      }
    }
  }

  private lost(id: string, md: ObjectMetadata): boolean {
    return md.master !== this.deps.backendId || (md.epoch ?? 0) > this.deps.epochs.of(id);
  }

  /** After a gap: every object in the store that another backend masters now is dropped (none is served meanwhile). */
  private async sweep(): Promise<void> {
    let demoted = 0;
    for (const id of [...this.deps.objects.ids()]) {
      if (!this.deps.replicated(id)) continue;
      const mine = this.deps.epochs.of(id);
      const md = await this.deps.store.getObject(id);
      // promoted or received here while the metadata was read: the read is older than this backend's copy
      if (this.deps.epochs.of(id) !== mine || !this.deps.objects.has(id) || !this.deps.replicated(id)) continue;
      if (md && md.forward === undefined && this.lost(id, md)) {
        await this.demote(id, md);
        demoted++;
      }
    }
    if (demoted > 0)
      this.deps.log.info({ demoted }, 'after the liveness gap: dropped the objects other backends master now');
  }

  /** Another backend masters the object now (at `md.epoch`): this copy goes, and its instance becomes a proxy. */
  async demote(id: string, md: Pick<ObjectMetadata, 'master' | 'epoch'>): Promise<void> {
    const obj = this.deps.ownership().ownedHere(id);
    this.confirmed.delete(id);
    this.deps.heap.delete(id);
    this.deps.epochs.delete(id);
    if (obj) toProxy(obj, md.master);
    await this.deps.objects.remove(id);
    this.deps.log.warn(
      { id, owner: md.master, epoch: md.epoch ?? 0 },
      'fenced: another backend masters this object now; dropped the copy here',
    );
  }

  /** The metadata, or a copy that refused a write, says another master may have the object: demote if so. */
  async check(id: string): Promise<void> {
    const mine = this.deps.epochs.of(id);
    const md = await this.deps.store.getObject(id);
    if (this.deps.epochs.of(id) !== mine) return;
    if (md && md.forward === undefined && this.lost(id, md)) await this.demote(id, md);
  }
}

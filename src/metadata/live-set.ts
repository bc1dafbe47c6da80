// The live backends, kept in memory from one watch of the backends bucket: reading the set costs O(1) per request
// (placement, moves, replicas, md.backends) instead of a JetStream consumer per read. A backend is gone when its
// record is older than the others' by the stale time, never merely because no record could be read for a while.
import type { KV, KvEntry } from '@nats-io/kv';
import { decode } from '../serialization/codec.js';
import { KvMirror } from './kv-mirror.js';
import type { BackendInfo } from './types.js';

/** Backends re-put their record this often; a record older than BACKEND_STALE_MS is a backend gone. */
export const HEARTBEAT_MS = 2_000;
export const BACKEND_STALE_MS = 3 * HEARTBEAT_MS;

interface Seen {
  info: BackendInfo;
  /** The server's stamp of the record (ms): liveness compares server stamps only. */
  stamp: number;
}

export class LiveBackends {
  private readonly records = new Map<string, Seen>();
  /** The server's clock minus ours, as the freshest record shows it: server time now ≈ ours + offset. */
  private offset = Number.NEGATIVE_INFINITY;
  /** When the watch last delivered a record (performance.now()). */
  private lastDelivery = Number.NEGATIVE_INFINITY;
  private readonly mirror: KvMirror;

  /** `staleMs`: a record whose stamp is older than this (server time, while the watch delivers) is a backend gone. */
  constructor(
    private readonly kv: KV,
    private readonly staleMs: number,
  ) {
    // every live backend re-puts its record each heartbeat: a watch silent for two has stalled
    // a watch started again re-delivers the records it had: only a newer one is news that the server is reachable
    const delivered = (entry: KvEntry) => {
      if (this.apply(entry)) this.lastDelivery = performance.now();
    };
    this.mirror = new KvMirror(kv, '>', delivered, 2 * HEARTBEAT_MS);
  }

  /**
   * Whether this view is current: the watch has caught up and delivered within the last two heartbeats (every live
   * backend, this one included, re-puts its record each heartbeat). When it is not, the set is the last one known.
   */
  healthy(): boolean {
    return this.mirror.ready && this.sinceLastDelivery() < 2 * HEARTBEAT_MS;
  }

  /** Milliseconds since the watch last delivered a record (Infinity before the first). */
  sinceLastDelivery(): number {
    return performance.now() - this.lastDelivery;
  }

  /**
   * Resolves once the watch has delivered the bucket as it was (or after `maxWaitMs`: any live backend re-puts its
   * record within a heartbeat, so the set is complete by then even if the catch-up signal never came).
   */
  ready(maxWaitMs: number): Promise<void> {
    return this.mirror.whenReady(maxWaitMs);
  }

  /** Live backends by id, in a stable order (by id); each id once. */
  list(): BackendInfo[] {
    const now = this.serverNow();
    const live: BackendInfo[] = [];
    for (const { info, stamp } of this.records.values()) if (now - stamp < this.staleMs) live.push(info);
    return live.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * The live backend `id`, else undefined. A miss reads the record itself (one direct KV get): a backend that joined
   * a moment ago is known before the watch delivers it.
   */
  async get(id: string): Promise<BackendInfo | undefined> {
    const seen = this.fresh(id);
    if (seen) return seen;
    const entry = await this.kv.get(id);
    if (entry) this.apply(entry);
    return this.fresh(id);
  }

  stop(): void {
    this.mirror.stop();
  }

  /** The server's stamp of the backend's last record the watch delivered; undefined if none (or it was deleted). */
  stampOf(id: string): number | undefined {
    return this.records.get(id)?.stamp;
  }

  private fresh(id: string): BackendInfo | undefined {
    const seen = this.records.get(id);
    return seen && this.serverNow() - seen.stamp < this.staleMs ? seen.info : undefined;
  }

  /**
   * The server's time as far as the set can tell. While the watch delivers, the clock runs; when it falls silent
   * (JetStream unreachable, a stream leader being elected, this backend cut off), no record can be judged older than
   * the others, so the clock stops a heartbeat after the last delivery: the last known set is kept, instead of every
   * backend being declared gone because the metadata could not be read.
   */
  serverNow(): number {
    return Math.min(performance.now(), this.lastDelivery + HEARTBEAT_MS) + this.offset;
  }

  /** Takes in a record; true if it is newer than the one known for its key. */
  private apply(entry: KvEntry): boolean {
    const stamp = entry.created.getTime();
    this.offset = Math.max(this.offset, stamp - performance.now());
    const known = this.records.get(entry.key);
    if (entry.operation !== 'PUT') return this.records.delete(entry.key);
    if (known && known.stamp >= stamp) return false; // one read before (directly, or by a watch started again)
    this.records.set(entry.key, { info: decode<BackendInfo>(entry.value), stamp });
    return true;
  }
}

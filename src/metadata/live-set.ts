// The live backends, kept in memory from one watch of the backends bucket: reading the set costs O(1) per request
// (placement, moves, replicas, md.backends) instead of a JetStream consumer per read.
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
  private readonly mirror: KvMirror;

  /** `staleMs`: a record whose stamp is older than this (server time) is a backend gone. */
  constructor(
    private readonly kv: KV,
    private readonly staleMs: number,
  ) {
    // every live backend re-puts its record each heartbeat: a watch silent for two has stalled
    this.mirror = new KvMirror(kv, '>', (entry) => this.apply(entry), 2 * HEARTBEAT_MS);
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

  serverNow(): number {
    return performance.now() + this.offset;
  }

  private apply(entry: KvEntry): void {
    const stamp = entry.created.getTime();
    this.offset = Math.max(this.offset, stamp - performance.now());
    if (entry.operation !== 'PUT') {
      this.records.delete(entry.key);
      return;
    }
    const known = this.records.get(entry.key);
    if (known && known.stamp > stamp) return; // an older record read directly after the watch delivered a newer one
    this.records.set(entry.key, { info: decode<BackendInfo>(entry.value), stamp });
  }
}

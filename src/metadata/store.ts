// JetStream KV access (backends only): buckets for objects, aliases and backends.
import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { AlreadyPersistentError } from '../errors.js';
import { decode, encode } from '../serialization/codec.js';
import { RequestMux } from '../messaging/mux.js';
import { AliasStore, type AliasValue } from './aliases.js';
import { type BucketOptions, openBuckets } from './buckets.js';
import { FastKv } from './kv-fast.js';
import { isKeyExists, isWrongSequence } from './kv-errors.js';
import { type FastObjects, retryingFastKv, retryingKv } from './kv-retry.js';
import { listObjectPage, type ObjectFilter, type ObjectPage } from './object-listing.js';
import { BACKEND_STALE_MS, HEARTBEAT_MS, LiveBackends } from './live-set.js';
import type { AliasTarget, BackendInfo, ObjectMetadata } from './types.js';

export { BACKEND_STALE_MS, HEARTBEAT_MS } from './live-set.js';
export { isKeyExists } from './kv-errors.js';
export { aliasedId, type AliasValue } from './aliases.js';

/** An object's metadata as a compare-and-set reads it. `stamp`: when the server wrote it (ms). */
export interface ObjectEntry {
  md: ObjectMetadata;
  revision: number;
  stamp: number;
}

export class MetadataStore {
  /** The backends bucket as the watch keeps it, in memory. */
  private readonly live: LiveBackends;
  private readonly aliasStore: AliasStore;
  /** The objects bucket's reads and writes on the hot path (a persist, a move, a version): kv-fast.ts. */
  private readonly fastObjects: FastObjects;

  private constructor(
    private readonly objects: KV,
    aliases: KV,
    private readonly backends: KV,
    private readonly mux: RequestMux,
    objectsBucket: string,
  ) {
    this.live = new LiveBackends(backends, BACKEND_STALE_MS);
    this.aliasStore = new AliasStore(aliases);
    // the fast path rides out an election as the bucket's own operations do
    this.fastObjects = retryingFastKv(new FastKv(objects, mux), objectsBucket);
  }

  static async open(nc: NatsConnection, namespace: string, options: BucketOptions = {}): Promise<MetadataStore> {
    const [objects, aliases, backends] = await openBuckets(
      nc,
      namespace,
      // nats-server 2.9 has no per-key TTL: a bucket-wide max age drops records of backends that stopped beating.
      [{ name: 'objects' }, { name: 'aliases' }, { name: 'backends', ttlMs: 10 * BACKEND_STALE_MS }],
      options,
    );
    // replies to the connection's own inbox prefix (`_INBOX.<user>` on a secured server: the only one it may read)
    const inbox = (nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix || '_INBOX';
    // their operations ride out a stream leader's election (kv-retry.ts); the opens above have retries of their own
    const bucket = (name: string) => `dc_${namespace}_${name}`;
    return new MetadataStore(
      retryingKv(objects, bucket('objects')),
      retryingKv(aliases, bucket('aliases')),
      retryingKv(backends, bucket('backends')),
      new RequestMux(nc, inbox),
      bucket('objects'),
    );
  }

  async putObject(md: ObjectMetadata): Promise<void> {
    await this.fastObjects.put(md.id, encode(md));
  }

  /**
   * Registers a new object; refuses an id that is registered already (two backends persisting the same object).
   * Returns the stream sequence it was written at (0 when a retry met its own earlier write: not read back).
   */
  async createObject(md: ObjectMetadata): Promise<number> {
    try {
      return await this.fastObjects.create(md.id, encode(md));
    } catch (err) {
      if (isKeyExists(err)) throw new AlreadyPersistentError(md.id, undefined, { cause: err });
      throw err;
    }
  }

  async getObject(id: string): Promise<ObjectMetadata | undefined> {
    const value = await this.fastObjects.get(id);
    return value ? decode<ObjectMetadata>(value) : undefined;
  }

  /**
   * Marks the object as being deleted (`deleting`), or takes the mark off: deletion and alias creation exclude each
   * other through it (docs/lifecycle.md). Compare-and-set: a concurrent change of the record is read and kept.
   */
  async markDeleting(id: string, deleting = true): Promise<void> {
    for (;;) {
      const entry = await this.objects.get(id);
      if (entry?.operation !== 'PUT') return;
      const { deleting: marked, ...md } = decode<ObjectMetadata>(entry.value);
      if (Boolean(marked) === deleting) return;
      try {
        await this.objects.update(id, encode(deleting ? { ...md, deleting } : md), entry.revision);
        return;
      } catch (err) {
        if (!isWrongSequence(err)) throw err;
      }
    }
  }

  /**
   * The object's metadata once no delete is marked on it: undefined if it is gone. A delete's mark lasts a few
   * writes; one a crash cut short stays until a delete finishes it, so after `waitMs` the object counts as gone.
   */
  async settledObject(id: string, waitMs = 10_000): Promise<ObjectMetadata | undefined> {
    const until = Date.now() + waitMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
      const md = await this.getObject(id);
      if (!md?.deleting) return md;
      if (Date.now() > until) return undefined;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /** A page of object records, optionally filtered (an operator's view; object-listing.ts). */
  listObjects(filter: ObjectFilter = {}, limit?: number, cursor?: string): Promise<ObjectPage> {
    return listObjectPage(this.objects, filter, limit, cursor);
  }

  /** The object's record with its revision and the server's stamp of it (ms): what a compare-and-set starts from. */
  async getObjectEntry(id: string): Promise<ObjectEntry | undefined> {
    const entry = await this.objects.get(id);
    if (entry?.operation !== 'PUT') return undefined;
    return { md: decode<ObjectMetadata>(entry.value), revision: entry.revision, stamp: entry.created.getTime() };
  }

  /**
   * Writes the record only if it is still at `revision` (failover.md: two backups cannot both win a promotion, and a
   * fenced master cannot overwrite its successor). Returns the new revision, or undefined when another write came first.
   */
  async updateObject(md: ObjectMetadata, revision: number): Promise<number | undefined> {
    try {
      return await this.objects.update(md.id, encode(md), revision);
    } catch (err) {
      if (isWrongSequence(err)) return undefined;
      throw err;
    }
  }

  async deleteObject(id: string): Promise<void> {
    await this.objects.delete(id);
  }

  /** Deletes the record only if it is still at `revision`; false when another write came first. */
  async deleteObjectAt(id: string, revision: number): Promise<boolean> {
    try {
      await this.objects.delete(id, { previousSeq: revision });
      return true;
    } catch (err) {
      if (isWrongSequence(err)) return false;
      throw err;
    }
  }

  /**
   * The object records written after stream sequence `after`, up to the bucket's last as it is now, in one ordered
   * read (one value per key is kept: each is the key's current record, or a later write of it follows).
   */
  async *objectsAfter(after: number): AsyncIterable<{ md: ObjectMetadata; revision: number }> {
    const last = await this.objectsRevision();
    if (after >= last) return;
    const watch = await this.objects.watch({ resumeFromRevision: after + 1 });
    try {
      for await (const entry of watch) {
        if (entry.operation === 'PUT') yield { md: decode<ObjectMetadata>(entry.value), revision: entry.revision };
        if (entry.delta === 0 || entry.revision >= last) return;
      }
    } finally {
      watch.stop();
    }
  }

  /** Put-if-absent: the server decides who wins a race for the same alias. Returns the write's revision. */
  createAlias(dataset: string, alias: string, target: AliasTarget): Promise<number> {
    return this.aliasStore.create(dataset, alias, target);
  }

  /** From memory when it holds the caller's writes up to revision `after` (aliases.ts), else from the KV. */
  getAlias(dataset: string, alias: string, after?: number): Promise<AliasValue | undefined> {
    return this.aliasStore.get(dataset, alias, after);
  }

  /** Removes the alias; with `objectId`, only if it names that object. Returns the revision it is gone at. */
  deleteAlias(dataset: string, alias: string, objectId?: string): Promise<number> {
    return this.aliasStore.delete(dataset, alias, objectId);
  }

  /** The object's aliases in `dataset`: one record read, then each alias checked. */
  listAliases(objectId: string, dataset: string): Promise<string[]> {
    return this.aliasStore.list(objectId, dataset);
  }

  // Deletion and garbage collection (docs/lifecycle.md): whole-bucket reads, for the collector only.

  /** Every object record with its revision: a scan of the bucket, in one ordered read. */
  async *scanObjects(): AsyncIterable<{ md: ObjectMetadata; revision: number }> {
    for await (const entry of await this.objects.history()) {
      if (entry.operation === 'PUT') yield { md: decode<ObjectMetadata>(entry.value), revision: entry.revision };
    }
  }

  /** The objects bucket's last revision: a record written later has a higher one. */
  async objectsRevision(): Promise<number> {
    return (await this.objects.status()).streamInfo.state.last_seq;
  }

  /** The object each alias names, every dataset's: the roots of a garbage collection. */
  aliasTargets(): AsyncIterable<string> {
    return this.aliasStore.targets();
  }

  /** Removes every alias that names the object, in every dataset (its deletion). */
  deleteAliasesOf(objectId: string): Promise<void> {
    return this.aliasStore.deleteAllOf(objectId);
  }

  /** A heartbeat: one lost with its server is sent again after HEARTBEAT_MS, not JetStream's default 5 s. */
  async putBackend(info: BackendInfo): Promise<void> {
    await this.backends.put(info.id, encode(info), { timeout: HEARTBEAT_MS });
  }

  async deleteBackend(id: string): Promise<void> {
    await this.backends.delete(id);
  }

  /**
   * Live backends, in a stable order (by id), each once, from memory (live-set.ts). Liveness is the age of the last
   * heartbeat as stamped by the server, against the server's clock as the freshest record shows it: no two
   * machines' clocks are compared.
   */
  async listBackends(): Promise<BackendInfo[]> {
    await this.live.ready(HEARTBEAT_MS);
    return this.live.list();
  }

  /** The live backend `id`, else undefined; one that joined a moment ago included. */
  async liveBackend(id: string): Promise<BackendInfo | undefined> {
    await this.live.ready(HEARTBEAT_MS);
    return this.live.get(id);
  }

  /** The server's stamp (ms) of the backend's last heartbeat this backend's watch delivered (failover.md). */
  backendStamp(id: string): number | undefined {
    return this.live.stampOf(id);
  }

  /**
   * The server's stamp (ms) of the backend's heartbeat record, read now from the bucket rather than the watch;
   * undefined when it has none (a clean stop deletes it).
   */
  async backendRecordStamp(id: string): Promise<number | undefined> {
    const entry = await this.backends.get(id);
    return entry && entry.operation === 'PUT' ? entry.created.getTime() : undefined;
  }

  /** The server's clock as this backend's watch last saw it (ms): never ahead of the server's. */
  serverNow(): number {
    return this.live.serverNow();
  }

  /** Whether the live set is current (the backends watch delivers); when not, it is the last one known. */
  liveSetHealthy(): boolean {
    return this.live.healthy();
  }

  /** Stops the watches; the connection is its owner's. */
  close(): void {
    this.mux.close();
    this.live.stop();
    this.aliasStore.stop();
  }
}

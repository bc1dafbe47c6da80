// JetStream KV access (backends only): buckets for objects, aliases and backends.
import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { AlreadyExistsError, AlreadyPersistentError } from '../errors.js';
import { decode, encode } from '../serialization/codec.js';
import { type BucketOptions, openBuckets } from './buckets.js';
import { escapeKeyPart, unescapeKeyPart } from './keys.js';
import type { BackendInfo, ObjectMetadata } from './types.js';

/** Backends re-put their record this often; a record older than BACKEND_STALE_MS is a backend gone. */
export const HEARTBEAT_MS = 2_000;
export const BACKEND_STALE_MS = 3 * HEARTBEAT_MS;

export class MetadataStore {
  private constructor(
    private readonly objects: KV,
    private readonly aliases: KV,
    private readonly backends: KV,
  ) {}

  static async open(nc: NatsConnection, namespace: string, options: BucketOptions = {}): Promise<MetadataStore> {
    const [objects, aliases, backends] = await openBuckets(
      nc,
      namespace,
      // nats-server 2.9 has no per-key TTL: a bucket-wide max age drops records of backends that stopped beating.
      [{ name: 'objects' }, { name: 'aliases' }, { name: 'backends', ttlMs: 10 * BACKEND_STALE_MS }],
      options,
    );
    return new MetadataStore(objects, aliases, backends);
  }

  async putObject(md: ObjectMetadata): Promise<void> {
    await this.objects.put(md.id, encode(md));
  }

  /** Registers a new object; refuses an id that is registered already (two backends persisting the same object). */
  async createObject(md: ObjectMetadata): Promise<void> {
    try {
      await this.objects.create(md.id, encode(md));
    } catch (err) {
      if (isKeyExists(err)) throw new AlreadyPersistentError(md.id, undefined, { cause: err });
      throw err;
    }
  }

  async getObject(id: string): Promise<ObjectMetadata | undefined> {
    const entry = await this.objects.get(id);
    return entry && entry.operation === 'PUT' ? decode<ObjectMetadata>(entry.value) : undefined;
  }

  /** Object records, optionally filtered, at most `limit` of them (an operator's view: it scans the bucket). */
  async listObjects(
    filter: { backendId?: string; dataset?: string; className?: string } = {},
    limit = 1000,
  ): Promise<ObjectMetadata[]> {
    const out: ObjectMetadata[] = [];
    for await (const id of await this.objects.keys()) {
      const md = await this.getObject(id);
      if (!md) continue;
      if (filter.backendId !== undefined && md.master !== filter.backendId) continue;
      if (filter.dataset !== undefined && md.dataset !== filter.dataset) continue;
      if (filter.className !== undefined && md.className !== filter.className) continue;
      out.push(md);
      if (out.length >= limit) break;
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async deleteObject(id: string): Promise<void> {
    await this.objects.delete(id);
  }

  /** Put-if-absent: the server decides who wins a race for the same alias. */
  async createAlias(dataset: string, alias: string, objectId: string): Promise<void> {
    // the reverse index serves getAliases; a hint, checked against the alias itself when read: written first, so an
    // alias never exists without it
    await this.aliases.put(indexKey(objectId, dataset, alias), new Uint8Array());
    try {
      await this.aliases.create(aliasKey(dataset, alias), encode(objectId));
    } catch (err) {
      if (isKeyExists(err)) throw new AlreadyExistsError(dataset, alias, { cause: err });
      throw err;
    }
  }

  async getAlias(dataset: string, alias: string): Promise<string | undefined> {
    const entry = await this.aliases.get(aliasKey(dataset, alias));
    return entry && entry.operation === 'PUT' ? decode<string>(entry.value) : undefined;
  }

  /** Removes the alias; with `objectId`, only if it names that object (a rollback removes only what it made). */
  async deleteAlias(dataset: string, alias: string, objectId?: string): Promise<void> {
    const entry = await this.aliases.get(aliasKey(dataset, alias));
    if (entry?.operation !== 'PUT') return;
    const id = decode<string>(entry.value);
    if (objectId !== undefined && id !== objectId) return;
    try {
      // only the alias we read: one re-created meanwhile (another object) stays
      await this.aliases.delete(aliasKey(dataset, alias), { previousSeq: entry.revision });
    } catch (err) {
      if (!isWrongSequence(err)) throw err;
      return;
    }
    await this.aliases.delete(indexKey(id, dataset, alias));
  }

  async listAliases(objectId: string, dataset: string): Promise<string[]> {
    const prefix = `o.${objectId}.${escapeKeyPart(dataset)}.`;
    const names: string[] = [];
    for await (const key of await this.aliases.keys(`${prefix}*`))
      names.push(unescapeKeyPart(key.slice(prefix.length)));
    const checked = await Promise.all(
      names.map(async (n) => ((await this.getAlias(dataset, n)) === objectId ? n : undefined)),
    );
    return checked.filter((n): n is string => n !== undefined).sort();
  }

  async putBackend(info: BackendInfo): Promise<void> {
    await this.backends.put(info.id, encode(info));
  }

  async deleteBackend(id: string): Promise<void> {
    await this.backends.delete(id);
  }

  /**
   * Live backends, in a stable order (by id). Liveness is the age of the last heartbeat as stamped by the server,
   * compared with the newest record's stamp: no two machines' clocks are compared.
   */
  async listBackends(): Promise<BackendInfo[]> {
    const ids: string[] = [];
    for await (const key of await this.backends.keys()) ids.push(key);
    const entries = await Promise.all(ids.map((id) => this.backends.get(id)));
    const live = entries.filter((e) => e !== null && e.operation === 'PUT') as NonNullable<(typeof entries)[number]>[];
    const newest = Math.max(...live.map((e) => e.created.getTime()));
    return live
      .filter((e) => newest - e.created.getTime() < BACKEND_STALE_MS)
      .map((e) => decode<BackendInfo>(e.value))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

/** JetStream's "wrong last sequence" (10071): the key exists (create) or changed (conditional delete). */
function isWrongSequence(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10071 || /wrong last sequence/i.test(String(e?.message));
}

export function isKeyExists(err: unknown): boolean {
  return isWrongSequence(err) || /key exists/i.test(String((err as Error)?.message));
}

function aliasKey(dataset: string, alias: string): string {
  return `a.${escapeKeyPart(dataset)}.${escapeKeyPart(alias)}`;
}

function indexKey(objectId: string, dataset: string, alias: string): string {
  return `o.${objectId}.${escapeKeyPart(dataset)}.${escapeKeyPart(alias)}`;
}

// JetStream KV access (backends only): buckets for objects, aliases and backends.
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { AlreadyExistsError } from '../errors.js';
import { decode, encode } from '../serialization/codec.js';
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

  static async open(nc: NatsConnection, namespace: string): Promise<MetadataStore> {
    const kvm = new Kvm(nc);
    const bucket = (name: string, opts: Record<string, unknown> = {}) =>
      kvm.create(`dc_${namespace}_${name}`, { history: 1, ...opts });
    const [objects, aliases, backends] = await Promise.all([
      bucket('objects'),
      bucket('aliases'),
      // nats-server 2.9 has no per-key TTL: a bucket-wide max age drops records of backends that stopped beating.
      bucket('backends', { ttl: 10 * BACKEND_STALE_MS }),
    ]);
    return new MetadataStore(objects, aliases, backends);
  }

  async putObject(md: ObjectMetadata): Promise<void> {
    await this.objects.put(md.id, encode(md));
  }

  async getObject(id: string): Promise<ObjectMetadata | undefined> {
    const entry = await this.objects.get(id);
    return entry && entry.operation === 'PUT' ? decode<ObjectMetadata>(entry.value) : undefined;
  }

  /** Object records, optionally filtered, at most `limit` of them (an operator's view: it scans the bucket). */
  async listObjects(filter: { backendId?: string; dataset?: string; className?: string } = {}, limit = 1000): Promise<ObjectMetadata[]> {
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
    try {
      await this.aliases.create(aliasKey(dataset, alias), encode(objectId));
    } catch (err) {
      if (/wrong last sequence|key exists/i.test(String((err as Error).message))) {
        throw new AlreadyExistsError(dataset, alias, { cause: err });
      }
      throw err;
    }
    // the reverse index serves getAliases; it is a hint, checked against the alias itself when read
    await this.aliases.put(indexKey(objectId, dataset, alias), new Uint8Array());
  }

  async getAlias(dataset: string, alias: string): Promise<string | undefined> {
    const entry = await this.aliases.get(aliasKey(dataset, alias));
    return entry && entry.operation === 'PUT' ? decode<string>(entry.value) : undefined;
  }

  async deleteAlias(dataset: string, alias: string): Promise<void> {
    const id = await this.getAlias(dataset, alias);
    if (id === undefined) return;
    await this.aliases.delete(aliasKey(dataset, alias));
    await this.aliases.delete(indexKey(id, dataset, alias));
  }

  async listAliases(objectId: string, dataset: string): Promise<string[]> {
    const prefix = `o.${objectId}.${escapeKeyPart(dataset)}.`;
    const names: string[] = [];
    for await (const key of await this.aliases.keys(`${prefix}*`)) names.push(unescapeKeyPart(key.slice(prefix.length)));
    const checked = await Promise.all(names.map(async (n) => ((await this.getAlias(dataset, n)) === objectId ? n : undefined)));
    return checked.filter((n): n is string => n !== undefined).sort();
  }

  async putBackend(info: BackendInfo): Promise<void> {
    await this.backends.put(info.id, encode(info));
  }

  async deleteBackend(id: string): Promise<void> {
    await this.backends.delete(id);
  }

  /** Live backends (fresh heartbeat), in a stable order: by id. */
  async listBackends(now = Date.now()): Promise<BackendInfo[]> {
    const ids: string[] = [];
    for await (const key of await this.backends.keys()) ids.push(key);
    const infos = await Promise.all(ids.map(async (id) => {
      const entry = await this.backends.get(id);
      return entry && entry.operation === 'PUT' ? decode<BackendInfo>(entry.value) : undefined;
    }));
    return infos
      .filter((b): b is BackendInfo => b !== undefined && now - b.heartbeatAt < BACKEND_STALE_MS)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

function aliasKey(dataset: string, alias: string): string {
  return `a.${escapeKeyPart(dataset)}.${escapeKeyPart(alias)}`;
}

function indexKey(objectId: string, dataset: string, alias: string): string {
  return `o.${objectId}.${escapeKeyPart(dataset)}.${escapeKeyPart(alias)}`;
}

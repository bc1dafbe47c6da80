// JetStream KV access (backends only): buckets for objects, aliases and backends.
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { AlreadyExistsError, AlreadyPersistentError } from '../errors.js';
import { decode, encode } from '../serialization/codec.js';
import { escapeKeyPart, unescapeKeyPart } from './keys.js';
import { BACKEND_STALE_MS, HEARTBEAT_MS, LiveBackends } from './live-set.js';
import type { BackendInfo, ObjectMetadata } from './types.js';

export { BACKEND_STALE_MS, HEARTBEAT_MS } from './live-set.js';

export class MetadataStore {
  /** The backends bucket as the watch keeps it, in memory. */
  private readonly live: LiveBackends;

  private constructor(
    private readonly objects: KV,
    private readonly aliases: KV,
    private readonly backends: KV,
  ) {
    this.live = new LiveBackends(backends, BACKEND_STALE_MS);
  }

  static async open(nc: NatsConnection, namespace: string): Promise<MetadataStore> {
    const kvm = new Kvm(nc);
    // backends starting together race to create the buckets: the losers find them made, and open them on retry
    const bucket = async (name: string, opts: Record<string, unknown> = {}): Promise<KV> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await kvm.create(`dc_${namespace}_${name}`, { history: 1, ...opts });
        } catch (err) {
          if (attempt >= 3 || !isCreationRace(err)) throw err;
        }
      }
    };
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

  /** Stops the watches; the connection is its owner's. */
  close(): void {
    this.live.stop();
  }
}

/** JetStream's "subjects overlap" (10065) or "stream name already in use" (10058): another creator won. */
export function isCreationRace(err: unknown): boolean {
  const e = err as { code?: unknown; api_error?: { err_code?: number }; message?: string };
  const code = e?.api_error?.err_code ?? e?.code;
  return code === 10065 || code === 10058 || /subjects overlap|name already in use/i.test(String(e?.message));
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

// Datasets and who may use them, in the KV bucket dc_<ns>_grants (backends only): `d.<dataset>` holds the dataset,
// `g.<dataset>.<user>` a user's level. Each backend keeps the whole bucket in memory through one watch, so a check
// is a map lookup, and a revocation reaches every backend in about a millisecond; while the copy cannot be trusted
// (grants-watch.ts), every check fails.
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { decode, encode } from '../serialization/codec.js';
import { GrantsWatch, type WatchTiming } from './grants-watch.js';
import { escapeKeyPart, unescapeKeyPart } from './keys.js';
import { type BucketOptions, openBuckets } from './buckets.js';
import { isKeyExists } from './store.js';

/** `r`: read (fields, state, read-only methods, aliases); `rw`: also write, call any method, create objects. */
export type Level = 'r' | 'rw';

export interface DatasetRecord {
  name: string;
  owner: string;
  createdAt: number;
  /** Every user may use the dataset at this level. */
  public?: Level;
}

export interface Grant {
  dataset: string;
  user: string;
  level: Level;
}

const datasetKey = (name: string) => `d.${escapeKeyPart(name)}`;
const grantKey = (dataset: string, user: string) => `g.${escapeKeyPart(dataset)}.${user}`;

export function covers(held: Level | undefined, wanted: Level): boolean {
  return held === 'rw' || (held === 'r' && wanted === 'r');
}

export class Grants {
  private readonly datasets = new Map<string, DatasetRecord>();
  private readonly levels = new Map<string, Level>();
  private readonly watch: GrantsWatch;

  private constructor(
    private readonly kv: KV,
    nc: NatsConnection,
    timing?: WatchTiming,
  ) {
    const reset = () => {
      this.datasets.clear();
      this.levels.clear();
    };
    this.watch = new GrantsWatch(kv, nc, (entry) => this.apply(entry), reset, timing);
  }

  /** Opens the bucket and resolves once the watch has delivered every record already there. */
  static async open(
    nc: NatsConnection,
    namespace: string,
    options: BucketOptions = {},
    timing?: WatchTiming,
  ): Promise<Grants> {
    const [kv] = await openBuckets(nc, namespace, [{ name: 'grants' }], options);
    const grants = new Grants(kv, nc, timing);
    await grants.watch.start();
    return grants;
  }

  /** Why the grants held may be stale now (every check then fails closed), or undefined when they are current. */
  unavailable(): string | undefined {
    return this.watch.unavailable();
  }

  may(user: string, dataset: string, level: Level): boolean {
    if (this.unavailable() !== undefined) return false;
    const record = this.datasets.get(dataset);
    if (!record) return false;
    return covers(record.public, level) || covers(this.levels.get(grantKey(dataset, user)), level);
  }

  dataset(name: string): DatasetRecord | undefined {
    return this.datasets.get(name);
  }

  /** The dataset as the bucket has it now: one created a moment ago may not have reached this copy yet. */
  async findDataset(name: string): Promise<DatasetRecord | undefined> {
    const held = this.datasets.get(name);
    if (held) return held;
    const entry = await this.kv.get(datasetKey(name));
    return entry && entry.operation === 'PUT' ? decode<DatasetRecord>(entry.value) : undefined;
  }

  listDatasets(): DatasetRecord[] {
    return [...this.datasets.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  listGrants(dataset?: string): Grant[] {
    const out: Grant[] = [];
    for (const [key, level] of this.levels) {
      const [, ds, user] = key.split('.');
      const name = unescapeKeyPart(ds);
      if (dataset === undefined || name === dataset) out.push({ dataset: name, user, level });
    }
    return out.sort((a, b) => (a.dataset + a.user < b.dataset + b.user ? -1 : 1));
  }

  /** Put-if-absent: false when the dataset exists already. */
  async createDataset(record: DatasetRecord): Promise<boolean> {
    try {
      await this.kv.create(datasetKey(record.name), encode(record));
      return true;
    } catch (err) {
      if (isKeyExists(err)) return false;
      throw err;
    }
  }

  /** The dataset and every grant on it. Its objects stay (and nobody but the backends can reach them). */
  async deleteDataset(name: string): Promise<void> {
    await Promise.all(this.listGrants(name).map((g) => this.kv.delete(grantKey(g.dataset, g.user))));
    await this.kv.delete(datasetKey(name));
  }

  async setGrant({ dataset, user, level }: Grant): Promise<void> {
    await this.kv.put(grantKey(dataset, user), encode(level));
  }

  async revoke(dataset: string, user: string): Promise<void> {
    await this.kv.delete(grantKey(dataset, user));
  }

  close(): void {
    this.watch.close();
  }

  private apply(entry: KvWatchEntry): void {
    const gone = entry.operation !== 'PUT';
    if (entry.key.startsWith('d.')) {
      const name = unescapeKeyPart(entry.key.slice(2));
      if (gone) this.datasets.delete(name);
      else this.datasets.set(name, decode<DatasetRecord>(entry.value));
    } else if (entry.key.startsWith('g.')) {
      if (gone) this.levels.delete(entry.key);
      else this.levels.set(entry.key, decode<Level>(entry.value));
    }
  }
}

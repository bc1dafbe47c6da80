// Aliases in the aliases bucket: `a.<dataset>.<alias> → [id, className, dataset, master]` (the object and what a proxy
// of it needs; keys written before that hold the id alone), created put-if-absent (the server decides who wins), and
// one record per object, `o.<id> → [[dataset, alias], ...]`, updated by compare-and-set, so listing an object's
// aliases reads one key, whatever the bucket holds. Lookups by alias are answered from memory (one watch of `a.>`)
// when it is known to hold the caller's own writes, else from the KV.
import type { KV, KvEntry } from '@nats-io/kv';
import { AlreadyExistsError } from '../errors.js';
import { decode, encode } from '../serialization/codec.js';
import { escapeKeyPart } from './keys.js';
import type { AliasTarget } from './types.js';
import { KvMirror } from './kv-mirror.js';
import { isKeyExists, isWrongSequence } from './kv-errors.js';

type AliasPair = [dataset: string, alias: string];

/** What an alias key holds: its target, or (a key written before targets were stored) the object's id alone. */
export type AliasValue = AliasTarget | string;

/** The id of the object an alias names, whatever the form of its key. */
export function aliasedId(value: AliasValue): string {
  return typeof value === 'string' ? value : value.id;
}

export class AliasStore {
  /** Alias key → what it holds, as the watch has it. */
  private readonly byKey = new Map<string, AliasValue>();
  private readonly mirror: KvMirror;

  constructor(private readonly kv: KV) {
    this.mirror = new KvMirror(kv, 'a.>', (entry) => this.apply(entry));
  }

  /**
   * Put-if-absent. Returns the revision of the write: a caller that passes it to `get` later reads its own write.
   * The object's list names the alias first, so an alias never exists without it (the list is a hint, checked
   * against the alias keys when read).
   */
  async create(dataset: string, alias: string, target: AliasTarget): Promise<number> {
    const objectId = target.id;
    const pair: AliasPair = [dataset, alias];
    await this.updateList(objectId, (pairs) => (pairs.some((p) => same(p, pair)) ? pairs : [...pairs, pair]));
    try {
      return await this.kv.create(aliasKey(dataset, alias), toValue(target));
    } catch (err) {
      if (!isKeyExists(err)) throw err;
      // another object's alias: this object's list must not keep naming it
      if (idOf(await this.read(dataset, alias)) !== objectId)
        await this.updateList(objectId, (pairs) => pairs.filter((p) => !same(p, pair))).catch(() => undefined);
      throw new AlreadyExistsError(dataset, alias, { cause: err });
    }
  }

  /**
   * What the alias holds. From memory when the watch has read at least up to `after` (the revision of the caller's
   * last alias write) and holds the alias; a miss reads the KV, so an alias created a moment ago through another
   * backend is found.
   */
  async get(dataset: string, alias: string, after = 0): Promise<AliasValue | undefined> {
    if (this.mirror.revision >= after) {
      const id = this.byKey.get(aliasKey(dataset, alias));
      if (id !== undefined) return id;
    }
    return this.read(dataset, alias);
  }

  /**
   * Removes the alias; with `objectId`, only if it names that object (a rollback removes only what it made).
   * Returns the revision at which it is gone (0: it was not there).
   */
  async delete(dataset: string, alias: string, objectId?: string): Promise<number> {
    const key = aliasKey(dataset, alias);
    const entry = await this.kv.get(key);
    if (entry?.operation !== 'PUT') return entry?.revision ?? 0;
    const id = aliasedId(fromValue(entry.value));
    if (objectId !== undefined && id !== objectId) return 0;
    try {
      // only the alias we read: one re-created meanwhile (another object) stays
      await this.kv.delete(key, { previousSeq: entry.revision });
    } catch (err) {
      if (!isWrongSequence(err)) throw err;
      return 0;
    }
    const pair: AliasPair = [dataset, alias];
    await this.updateList(id, (pairs) => pairs.filter((p) => !same(p, pair)));
    // kv.delete does not say at which revision: the delete marker (or whatever came after it) does
    return (await this.kv.get(key))?.revision ?? entry.revision + 1;
  }

  /** The object's aliases in `dataset`: its list, each checked against the alias itself. */
  async list(objectId: string, dataset: string): Promise<string[]> {
    const names = (await this.readList(objectId)).pairs.filter(([d]) => d === dataset).map(([, a]) => a);
    const checked = await Promise.all(
      names.map(async (a) => (idOf(await this.read(dataset, a)) === objectId ? a : undefined)),
    );
    return checked.filter((a): a is string => a !== undefined).sort();
  }

  /** Removes every alias of the object, in every dataset, and its list (its deletion). */
  async deleteAllOf(objectId: string): Promise<void> {
    const { pairs } = await this.readList(objectId);
    await Promise.all(pairs.map(([dataset, alias]) => this.delete(dataset, alias, objectId)));
    await this.kv.delete(listKey(objectId));
  }

  /** The object every alias names, read from the bucket itself (the roots of a garbage collection). */
  async *targets(): AsyncIterable<string> {
    for await (const entry of await this.kv.history({ key: 'a.>' })) {
      if (entry.operation === 'PUT') yield aliasedId(fromValue(entry.value));
    }
  }

  stop(): void {
    this.mirror.stop();
  }

  private async read(dataset: string, alias: string): Promise<AliasValue | undefined> {
    const entry = await this.kv.get(aliasKey(dataset, alias));
    return entry && entry.operation === 'PUT' ? fromValue(entry.value) : undefined;
  }

  private async readList(objectId: string): Promise<{ pairs: AliasPair[]; revision: number | undefined }> {
    const entry = await this.kv.get(listKey(objectId));
    if (!entry) return { pairs: [], revision: undefined };
    return { pairs: entry.operation === 'PUT' ? decode<AliasPair[]>(entry.value) : [], revision: entry.revision };
  }

  /** Compare-and-set of the object's list: a concurrent change makes it read and try again. */
  private async updateList(objectId: string, change: (pairs: AliasPair[]) => AliasPair[]): Promise<void> {
    for (;;) {
      const { pairs, revision } = await this.readList(objectId);
      const next = change(pairs);
      if (next === pairs || (next.length === pairs.length && next.every((p, i) => same(p, pairs[i])))) return;
      try {
        if (revision === undefined) await this.kv.create(listKey(objectId), encode(next));
        else await this.kv.update(listKey(objectId), encode(next), revision);
        return;
      } catch (err) {
        if (!isKeyExists(err)) throw err;
      }
    }
  }

  private apply(entry: KvEntry): void {
    if (entry.operation === 'PUT') this.byKey.set(entry.key, fromValue(entry.value));
    else this.byKey.delete(entry.key);
  }
}

function toValue({ id, className, dataset, master }: AliasTarget): Uint8Array {
  return encode([id, className, dataset, master]);
}

function fromValue(bytes: Uint8Array): AliasValue {
  const value = decode<string | [string, string, string, string]>(bytes);
  if (typeof value === 'string') return value;
  const [id, className, dataset, master] = value;
  return { id, className, dataset, master };
}

function idOf(value: AliasValue | undefined): string | undefined {
  return value === undefined ? undefined : aliasedId(value);
}

function same(a: AliasPair, b: AliasPair): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

function aliasKey(dataset: string, alias: string): string {
  return `a.${escapeKeyPart(dataset)}.${escapeKeyPart(alias)}`;
}

function listKey(objectId: string): string {
  return `o.${objectId}`;
}

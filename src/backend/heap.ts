// The objects a backend holds in memory, least recently used first, within a budget (count and/or bytes).
import type { DataClayObject } from '../object/dataclay-object.js';
import type { Digest } from './digest.js';

export interface MemoryBudget {
  /** Most loaded objects to keep in memory. */
  maxObjects?: number;
  /** Most bytes of loaded objects' encoded state to keep in memory (measured on their stored records). */
  maxBytes?: number;
}

/** `digest`: of the record last read from or written to the store, so unchanged objects are never rewritten. */
interface Entry {
  obj: DataClayObject;
  bytes: number;
  digest?: Digest;
}

export class Heap {
  private readonly entries = new Map<string, Entry>();
  /** Per pinned object, the chain of each call running on it ('' for none): one array, not a map, per object. */
  private readonly pins = new Map<string, string[]>();
  private totalBytes = 0;

  constructor(readonly budget: MemoryBudget = {}) {}

  /** The loaded object, marked most recently used (when there is a budget to keep). */
  get(id: string): DataClayObject | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    if (this.bounded) {
      this.entries.delete(id);
      this.entries.set(id, e);
    }
    return e.obj;
  }

  private get bounded(): boolean {
    return this.budget.maxObjects !== undefined || this.budget.maxBytes !== undefined;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  add(obj: DataClayObject, bytes = 0, digest?: Digest): void {
    this.delete(obj.id);
    this.entries.set(obj.id, { obj, bytes, digest });
    this.totalBytes += bytes;
  }

  digest(id: string): Digest | undefined {
    return this.entries.get(id)?.digest;
  }

  /** Records the size and digest of an object's record as last written or loaded. */
  stored(id: string, bytes: number, digest: Digest): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.totalBytes += bytes - e.bytes;
    e.bytes = bytes;
    e.digest = digest;
  }

  /** What memory holds of the object is no longer known to be its record: the next save writes it. */
  unstore(id: string): void {
    const e = this.entries.get(id);
    if (e) e.digest = undefined;
  }

  delete(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    this.totalBytes -= e.bytes;
  }

  /** Objects in use (an active method running on them) are never evicted. */
  pin(id: string, chain?: string): void {
    const chains = this.pins.get(id);
    if (chains) chains.push(chain ?? '');
    else this.pins.set(id, [chain ?? '']);
  }

  unpin(id: string, chain?: string): void {
    const chains = this.pins.get(id);
    if (!chains) return;
    const i = chains.lastIndexOf(chain ?? '');
    chains.splice(i < 0 ? chains.length - 1 : i, 1);
    if (chains.length === 0) this.pins.delete(id);
  }

  /** Pinned by calls of another chain than `chain` (a call that moves its own object does not wait for itself). */
  pinnedByOthers(id: string, chain?: string): boolean {
    const chains = this.pins.get(id);
    return chains !== undefined && (chain === undefined ? chains.length > 0 : chains.some((c) => c !== chain));
  }

  /** How many calls are running on the object. */
  pinCount(id: string): number {
    return this.pins.get(id)?.length ?? 0;
  }

  /** The objects calls are running on now. */
  pinnedIds(): string[] {
    return [...this.pins.keys()];
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  private overBudget(): boolean {
    const { maxObjects, maxBytes } = this.budget;
    return (
      (maxObjects !== undefined && this.entries.size > maxObjects) ||
      (maxBytes !== undefined && this.totalBytes > maxBytes)
    );
  }

  /** Least recently used objects to evict until the heap fits its budget (pinned ones are skipped). */
  evictionCandidates(): DataClayObject[] {
    if (!this.overBudget()) return [];
    const out: DataClayObject[] = [];
    let count = this.entries.size;
    let bytes = this.totalBytes;
    const { maxObjects = Infinity, maxBytes = Infinity } = this.budget;
    for (const [id, e] of this.entries) {
      if (count <= maxObjects && bytes <= maxBytes) break;
      if (this.pins.has(id)) continue;
      out.push(e.obj);
      count--;
      bytes -= e.bytes;
    }
    return out;
  }

  values(): IterableIterator<DataClayObject> {
    return [...this.entries.values()].map((e) => e.obj)[Symbol.iterator]();
  }
}

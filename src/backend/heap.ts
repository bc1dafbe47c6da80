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

interface Pins {
  count: number;
  chains: Map<string, number>;
}

export class Heap {
  private readonly entries = new Map<string, Entry>();
  /** Per pinned object, how many calls run on it, by call chain ('' for none): O(1) however many run at once. */
  private readonly pins = new Map<string, Pins>();
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
  pin(id: string, chain = ''): void {
    let pins = this.pins.get(id);
    if (!pins) {
      pins = { count: 0, chains: new Map() };
      this.pins.set(id, pins);
    }
    pins.count++;
    pins.chains.set(chain, (pins.chains.get(chain) ?? 0) + 1);
  }

  unpin(id: string, chain = ''): void {
    const pins = this.pins.get(id);
    const n = pins?.chains.get(chain);
    if (!pins || n === undefined) return;
    if (--pins.count === 0) this.pins.delete(id);
    else if (n === 1) pins.chains.delete(chain);
    else pins.chains.set(chain, n - 1);
  }

  /** Pinned by calls of another chain than `chain` (a call that moves its own object does not wait for itself). */
  pinnedByOthers(id: string, chain?: string): boolean {
    const pins = this.pins.get(id);
    if (!pins) return false;
    return chain === undefined || pins.count > (pins.chains.get(chain) ?? 0);
  }

  /** How many calls are running on the object. */
  pinCount(id: string): number {
    return this.pins.get(id)?.count ?? 0;
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

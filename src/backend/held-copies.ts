// What a holder knows of every copy it holds, loaded or not, kept small: a holder of a million copies keeps this
// index whole (failover and the scrub read it every tick without the disk). One object per copy (its class, master,
// revision, epoch, order and time) cost ~170 bytes of heap beside its key; here a copy is a key and a slot in typed
// columns (40 bytes), the classes and masters kept once each.
import type { CopyOrder } from '../protocol/backend-ops.js';
import type { ClassInfo } from '../object/meta.js';

/**
 * A copy as the index knows it. `revision` changes each time the copy is taken again (a new state from its master,
 * or the copy dropped and taken anew): equal revisions mean the same state. `at`: when it was last taken
 * (performance.now()).
 */
export interface Held {
  info: ClassInfo;
  master: string;
  revision: number;
  epoch: number;
  /** The order its master gave the copy (none from a master before copies were ordered). */
  order: CopyOrder | undefined;
  at: number;
}

const FIRST_CAPACITY = 1_024;

/** One name (a class, a master) per small number, both ways. */
class Interned<T> {
  private readonly values: T[] = [];
  private readonly numbers = new Map<T, number>();
  number(value: T): number {
    let n = this.numbers.get(value);
    if (n === undefined) {
      n = this.values.length;
      this.values.push(value);
      this.numbers.set(value, n);
    }
    return n;
  }
  value(n: number): T {
    return this.values[n];
  }
}

export class HeldCopies {
  private readonly slots = new Map<string, number>();
  private readonly free: number[] = [];
  private next = 0;
  private capacity = 0;
  private classOf = new Uint32Array(0);
  private masterOf = new Uint32Array(0);
  private epochOf = new Float64Array(0);
  private revisionOf = new Float64Array(0);
  private atOf = new Float64Array(0);
  /** The order's master process and sequence; NaN for a copy without an order. */
  private orderProcess = new Float64Array(0);
  private orderSequence = new Float64Array(0);
  private readonly classes = new Interned<ClassInfo>();
  private readonly masterNames = new Interned<string>();
  /** How many copies each master has here (failover asks each tick: a count, not a pass). */
  private readonly perMaster = new Map<string, number>();
  private revisions = 0;

  get size(): number {
    return this.slots.size;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  /** A snapshot of what is known of the copy (a new object each call: change it through the methods below). */
  get(id: string): Readonly<Held> | undefined {
    const slot = this.slots.get(id);
    if (slot === undefined) return undefined;
    const process = this.orderProcess[slot];
    return {
      info: this.classes.value(this.classOf[slot]),
      master: this.masterNames.value(this.masterOf[slot]),
      revision: this.revisionOf[slot],
      epoch: this.epochOf[slot],
      order: Number.isNaN(process) ? undefined : [process, this.orderSequence[slot]],
      at: this.atOf[slot],
    };
  }

  master(id: string): string | undefined {
    const slot = this.slots.get(id);
    return slot === undefined ? undefined : this.masterNames.value(this.masterOf[slot]);
  }

  revision(id: string): number {
    const slot = this.slots.get(id);
    return slot === undefined ? 0 : this.revisionOf[slot];
  }

  /** Takes the copy (again), at a new revision; `id` is kept as the key only when it is new. */
  set(id: string, copy: Omit<Held, 'revision'>): number {
    let slot = this.slots.get(id);
    if (slot === undefined) {
      slot = this.free.pop() ?? this.grow();
      this.slots.set(id, slot);
    } else this.count(this.masterNames.value(this.masterOf[slot]), -1);
    this.classOf[slot] = this.classes.number(copy.info);
    this.masterOf[slot] = this.masterNames.number(copy.master);
    this.epochOf[slot] = copy.epoch;
    this.atOf[slot] = copy.at;
    this.orderProcess[slot] = copy.order?.[0] ?? Number.NaN;
    this.orderSequence[slot] = copy.order?.[1] ?? 0;
    this.revisionOf[slot] = ++this.revisions;
    this.count(copy.master, 1);
    return this.revisionOf[slot];
  }

  setEpoch(id: string, epoch: number): void {
    const slot = this.slots.get(id);
    if (slot !== undefined) this.epochOf[slot] = epoch;
  }

  delete(id: string): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    this.slots.delete(id);
    this.count(this.masterNames.value(this.masterOf[slot]), -1);
    this.free.push(slot);
    return true;
  }

  /** The masters of the copies held here. */
  masters(): string[] {
    return [...this.perMaster.keys()];
  }

  /** The copies whose master is `master` (a pass over every copy: when that master died). */
  from(master: string): string[] {
    const out: string[] = [];
    for (const [id, slot] of this.slots) if (this.masterNames.value(this.masterOf[slot]) === master) out.push(id);
    return out;
  }

  /** The copies, by their master (a pass over every copy: at start). */
  byMaster(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [id, slot] of this.slots) {
      const master = this.masterNames.value(this.masterOf[slot]);
      const ids = out.get(master);
      if (ids) ids.push(id);
      else out.set(master, [id]);
    }
    return out;
  }

  /** The copies last taken before `time` (performance.now()). */
  takenBefore(time: number): string[] {
    const out: string[] = [];
    for (const [id, slot] of this.slots) if (this.atOf[slot] < time) out.push(id);
    return out;
  }

  private count(master: string, by: number): void {
    const n = (this.perMaster.get(master) ?? 0) + by;
    if (n === 0) this.perMaster.delete(master);
    else this.perMaster.set(master, n);
  }

  /** A slot never used yet, the columns doubled when they are full. */
  private grow(): number {
    if (this.next === this.capacity) {
      this.capacity = Math.max(FIRST_CAPACITY, this.capacity * 2);
      this.classOf = resized(this.classOf, this.capacity);
      this.masterOf = resized(this.masterOf, this.capacity);
      this.epochOf = resized(this.epochOf, this.capacity);
      this.revisionOf = resized(this.revisionOf, this.capacity);
      this.atOf = resized(this.atOf, this.capacity);
      this.orderProcess = resized(this.orderProcess, this.capacity);
      this.orderSequence = resized(this.orderSequence, this.capacity);
    }
    return this.next++;
  }
}

function resized<T extends Uint32Array | Float64Array>(column: T, length: number): T {
  const out = new (column.constructor as new (n: number) => T)(length);
  out.set(column);
  return out;
}

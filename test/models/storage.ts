// Models for durability and memory-budget tests.
import { DataClayObject, activemethod, persistent } from '../../src/index.js';

@persistent
export class Ledger extends DataClayObject {
  entries: string[] = [];

  @activemethod
  async record(token: string): Promise<number> {
    this.entries.push(token);
    return this.entries.length;
  }
}

@persistent
export class Chain extends DataClayObject {
  value: number;
  next: Chain | null = null;

  constructor(value: number, next: Chain | null = null) {
    super();
    this.value = value;
    this.next = next;
  }

  /** Walks the chain through plain field reads: evicted links reload on the way. */
  @activemethod
  async sum(): Promise<number> {
    let total = 0;
    for (let link: Chain | null = this; link; link = link.next) total += link.value;
    return total;
  }

  @activemethod
  async bumpAll(by: number): Promise<void> {
    for (let link: Chain | null = this; link; link = link.next) link.value += by;
  }
}

/** Its constructor refuses bad input: an object that failed to construct must never become persistent. */
@persistent
export class Fragile extends DataClayObject {
  value: number;

  constructor(value: number) {
    super();
    if (value < 0) throw new RangeError('negative');
    this.value = value;
  }

  @activemethod
  async spawn(value: number): Promise<Fragile | string> {
    try {
      return new Fragile(value);
    } catch (err) {
      return (err as Error).message;
    }
  }
}

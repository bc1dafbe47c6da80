// Models for moves made from inside a method, and for writes to what an object references (possibly a replica).
import { DataClayObject, activemethod, persistent } from '../../src/index.js';
import type { Counter } from './counters.js';

@persistent
export class Prober extends DataClayObject {
  count = 0;
  ref: Counter | null = null;

  /** Moves its own object from inside one of its methods. */
  @activemethod
  async moveSelf(to: string): Promise<number> {
    const t = Date.now();
    await this.move(to);
    return Date.now() - t;
  }

  @activemethod({ exclusive: true })
  async moveSelfExclusive(to: string): Promise<number> {
    const t = Date.now();
    await this.move(to);
    return Date.now() - t;
  }

  /** dcSet on the referenced object, wherever it lives (here: possibly a replica). */
  @activemethod
  async dcSetRef(value: number): Promise<string> {
    try {
      await this.ref!.dcSet('count', value);
      return 'ok';
    } catch (err) {
      return `error: ${(err as Error).message}`;
    }
  }

  /** dcUpdate on the referenced object from another object's state. */
  @activemethod
  async dcUpdateRef(from: Counter): Promise<string> {
    try {
      await this.ref!.dcUpdate(from);
      return `ok, local view ${this.ref!.count}`;
    } catch (err) {
      return `error: ${(err as Error).message}`;
    }
  }
}

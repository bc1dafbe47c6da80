// Models for concurrency: lost updates without exclusivity, none with it, call cycles, contexts.
import { DataClayObject, activemethod, currentSession, persistent, type Session } from '../../src/index.js';

// Deliberate gaps inside active methods: the await lets concurrent calls interleave (or overlap a slow write).
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@persistent
export class Counter extends DataClayObject {
  count = 0;

  /** Read, yield, write: concurrent calls interleave at the await and lose updates. */
  @activemethod
  async racyIncrement(): Promise<number> {
    const seen = this.count;
    await pause(1);
    this.count = seen + 1;
    return this.count;
  }

  /** The same, exclusive: calls are serialized per object, none is lost. */
  @activemethod({ exclusive: true })
  async increment(): Promise<number> {
    const seen = this.count;
    await pause(1);
    this.count = seen + 1;
    return this.count;
  }

  /** A → B → A → ... through exclusive methods: the same call chain re-enters. */
  @activemethod({ exclusive: true })
  async pingPong(other: Counter, depth: number): Promise<number> {
    this.count += 1;
    return depth === 0 ? this.count : other.pingPong(this, depth - 1);
  }

  /** Which backend process runs this call (a master or a replica). */
  @activemethod({ readonly: true })
  async servedBy(): Promise<[string, number]> {
    return [process.argv[process.argv.indexOf('--id') + 1], this.count];
  }

  /** Breaks its promise: read-only, yet it writes. */
  @activemethod({ readonly: true })
  async sneakyWrite(): Promise<number> {
    this.count = -1;
    return this.count;
  }

  @activemethod
  async syncSelf(): Promise<void> {
    await this.sync();
  }

  /** The session this call runs in, and the one a nested call on `other` sees. */
  @activemethod
  async whoAmI(other?: Counter): Promise<Session[]> {
    const mine = currentSession();
    return other ? [mine, ...(await other.whoAmI())] : [mine];
  }
}

/** Holds a reference and a value: moves and replicas of what it references, read-only calls during a slow write. */
@persistent
export class Holder extends DataClayObject {
  count = 0;
  ref: Counter | null = null;
  blob = '';

  @activemethod({ readonly: true })
  async peek(): Promise<number> {
    return this.count;
  }

  /** One increment, a pause (the time other calls get to overlap the write), another increment. */
  @activemethod
  async slowWrite(ms = 200): Promise<number> {
    this.count += 1;
    await pause(ms);
    this.count += 1;
    return this.count;
  }

  /** A direct field write on the referenced object: allowed only where that object is the master. */
  @activemethod
  async writeRef(value: number): Promise<number> {
    this.ref!.count = value;
    return value;
  }

  @activemethod
  async syncRef(): Promise<string[]> {
    await this.ref!.sync();
    return [...this.ref!.replicaBackendIds];
  }

  @activemethod
  async grow(chunk: string): Promise<number> {
    this.blob += chunk;
    return this.blob.length;
  }
}

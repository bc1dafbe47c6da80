// Models for crash-safety tests: model code that fails after its call has returned, where no call can catch it.
import { DataClayObject, activemethod, persistent } from '../../src/index.js';

@persistent
export class Saboteur extends DataClayObject {
  calls = 0;

  /** Returns at once; `ms` later a timer it set throws `message`. */
  @activemethod
  async throwLater(message: string, ms: number): Promise<void> {
    setTimeout(() => {
      throw new Error(message);
    }, ms);
  }

  /** Returns at once, leaving a promise that rejects with `message` `ms` later and that nobody awaits. */
  @activemethod
  async rejectLater(message: string, ms: number): Promise<void> {
    void new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms));
  }

  @activemethod
  async ping(): Promise<number> {
    this.calls += 1;
    return this.calls;
  }
}

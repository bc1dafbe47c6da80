// Operations on one backend itself, for operators and tests: stats, flush, stop.
import { BackendNotFoundError } from '../errors.js';
import type { BackendStats } from '../metadata/types.js';
import type { Runtime } from '../runtime/runtime.js';

/** Every operation checks first that the id names a live backend (BackendNotFoundError otherwise). */
export class BackendHandle {
  constructor(
    readonly id: string,
    private readonly runtime: Runtime,
  ) {}

  async stats(): Promise<BackendStats> {
    await this.live();
    return this.runtime.request(this.id, 'ping', [this.runtime.wire()]);
  }

  /** Saves every loaded object and drops them from memory (they reload on next use). */
  async flushAll(): Promise<{ saved: number }> {
    await this.live();
    return this.runtime.request(this.id, 'flush', [this.runtime.wire()]);
  }

  /** Asks the backend to stop cleanly: it deregisters, saves everything, and exits. */
  async stop(): Promise<void> {
    await this.live();
    await this.runtime.request(this.id, 'stop', [this.runtime.wire()]);
  }

  private async live(): Promise<void> {
    const backends = await this.runtime.listBackends();
    if (!backends.some((b) => b.id === this.id))
      throw new BackendNotFoundError(
        this.id,
        backends.map((b) => b.id),
      );
  }
}

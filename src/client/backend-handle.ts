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
    return this.request<BackendStats>('ping');
  }

  /** Saves every loaded object and drops them from memory (they reload on next use). */
  async flushAll(): Promise<{ saved: number }> {
    return this.request<{ saved: number }>('flush');
  }

  /** Asks the backend to stop cleanly: it deregisters, saves everything, and exits. */
  async stop(): Promise<void> {
    await this.request<void>('stop');
  }

  private async request<T>(op: 'ping' | 'flush' | 'stop'): Promise<T> {
    const backends = await this.runtime.listBackends();
    if (!backends.some((b) => b.id === this.id))
      throw new BackendNotFoundError(
        this.id,
        backends.map((b) => b.id),
      );
    return this.runtime.backendAdmin<T>(this.id, op);
  }
}

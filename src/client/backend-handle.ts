// Operations on one backend itself, for operators and tests: stats, flush, stop.
import type { BackendStats } from '../metadata/types.js';
import type { Runtime } from '../runtime/runtime.js';

export class BackendHandle {
  constructor(readonly id: string, private readonly runtime: Runtime) {}

  stats(): Promise<BackendStats> {
    return this.runtime.backendAdmin<BackendStats>(this.id, 'ping');
  }

  /** Saves every loaded object and drops them from memory (they reload on next use). */
  flushAll(): Promise<{ saved: number }> {
    return this.runtime.backendAdmin<{ saved: number }>(this.id, 'flush');
  }

  /** Asks the backend to stop cleanly: it deregisters, saves everything, and exits. */
  async stop(): Promise<void> {
    await this.runtime.backendAdmin<void>(this.id, 'stop');
  }
}

// Operations on one backend itself, for operators and tests: stats, flush, stop.
import { BackendNotFoundError, BackendUnavailableError, TimeoutError } from '../errors.js';
import type { BackendStats } from '../metadata/types.js';
import type { Lookups } from '../runtime/lookups.js';
import type { Requests } from '../runtime/requests.js';

/** Every operation checks first that the id names a live backend (BackendNotFoundError otherwise). */
export class BackendHandle {
  /** @internal Made by `client.backend(id)`. */
  constructor(
    readonly id: string,
    private readonly runtime: { requests: Pick<Requests, 'request' | 'wire'>; lookups: Pick<Lookups, 'listBackends'> },
  ) {}

  async stats(): Promise<BackendStats> {
    await this.live();
    return this.runtime.requests.request(this.id, 'ping', [this.runtime.requests.wire()]);
  }

  /** Saves every loaded object and drops them from memory (they reload on next use). */
  async flushAll(): Promise<{ saved: number }> {
    await this.live();
    return this.runtime.requests.request(this.id, 'flush', [this.runtime.requests.wire()]);
  }

  /**
   * Asks the backend to stop cleanly (it deregisters, answers the requests in flight, saves everything, and exits)
   * and resolves once it answers no more: `timeoutMs` bounds that wait (TimeoutError).
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    await this.live();
    await this.runtime.requests.request(this.id, 'stop', [this.runtime.requests.wire()]);
    // it deregisters first and serves until its requests are done: gone is when nobody answers on its subjects
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.runtime.requests.request(this.id, 'ping', [this.runtime.requests.wire()]);
      } catch (err) {
        if (err instanceof BackendUnavailableError) return;
        if (!(err instanceof TimeoutError)) throw err;
      }
      if (Date.now() > deadline) throw new TimeoutError(`stopping backend ${this.id}`, timeoutMs);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async live(): Promise<void> {
    const backends = await this.runtime.lookups.listBackends();
    if (!backends.some((b) => b.id === this.id))
      throw new BackendNotFoundError(
        this.id,
        backends.map((b) => b.id),
      );
  }
}

// Operations on one backend itself, for operators and tests: stats, flush, stop, drain, lifecycle events, inspecting
// objects.
import { BackendNotFoundError, BackendUnavailableError, TimeoutError } from '../errors.js';
import type { BackendStats, LifecycleEvent, ObjectView } from '../metadata/types.js';
import type { DrainReport } from '../protocol/backend-ops.js';
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
   * Empties the backend before it is retired: from now on it takes no new objects; every object it masters moves to
   * the other live backends, and the replicas it holds are placed elsewhere by their masters. It keeps running
   * (stop it afterwards). Calls on its objects go on meanwhile: they follow the moves.
   */
  async drain(): Promise<DrainReport> {
    await this.live();
    return this.runtime.requests.request(this.id, 'drain', [this.runtime.requests.wire()]);
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

  /** Its recent lifecycle events after sequence number `after` (0: all it keeps); `next` is the next `after`. */
  async events(after = 0): Promise<{ next: number; events: LifecycleEvent[] }> {
    await this.live();
    return this.runtime.requests.request(this.id, 'events', [this.runtime.requests.wire(), after]);
  }

  /**
   * An object this backend owns (or holds a replica of), whatever its dataset (an admin's view): its record, its
   * fields (references to other objects are proxies) and its aliases. WrongBackendError names its owner.
   */
  async inspect(id: string): Promise<ObjectView> {
    await this.live();
    return this.runtime.requests.request(this.id, 'inspect', [this.runtime.requests.wire(), id]);
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

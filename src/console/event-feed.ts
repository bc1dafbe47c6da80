// Lifecycle events of every live backend as they happen: the console polls each backend's `events` (an admin
// operation; backend/lifecycle-log.ts) once a second and hands what is new to the pages listening. Polling the
// backends, rather than watching the metadata bucket, needs no JetStream access for admins and costs a small
// request per backend per second, whatever the number of objects.
import type { Client } from '../client/client.js';
import type { LifecycleEvent } from '../metadata/types.js';

const POLL_MS = 1_000;
const KEPT = 200;

export class EventFeed {
  private readonly after = new Map<string, number>();
  private readonly recent: LifecycleEvent[] = [];
  private readonly listeners = new Set<(events: LifecycleEvent[]) => void>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly client: Client,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), POLL_MS).unref();
    void this.poll();
  }

  stop(): void {
    clearInterval(this.timer);
    this.listeners.clear();
  }

  /** The events kept so far (the newest KEPT), then each new batch, until the returned function is called. */
  listen(listener: (events: LifecycleEvent[]) => void): () => void {
    if (this.recent.length > 0) listener([...this.recent]);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One round over the live backends; a round still running makes the next one wait for the next tick. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const backends = [...(await this.client.getBackends()).keys()];
      const rounds = await Promise.allSettled(
        backends.map(async (id) => {
          const after = this.after.get(id) ?? 0;
          const { next, events } = await this.client.backend(id).events(after);
          // a restarted backend counts from 0 again: ask it for everything next time
          this.after.set(id, next < after ? 0 : next);
          return events;
        }),
      );
      // a backend that went away mid-round is asked again next round, if it is still live
      const batches = rounds.map((r) => (r.status === 'fulfilled' ? r.value : []));
      const fresh = batches.flat().sort((a, b) => a.at - b.at);
      if (fresh.length === 0) return;
      this.recent.push(...fresh);
      this.recent.splice(0, Math.max(0, this.recent.length - KEPT));
      for (const listener of this.listeners) listener(fresh);
    } catch (err) {
      this.onError(err); // a backend going away mid-round: the next round asks the live ones
    } finally {
      this.polling = false;
    }
  }
}

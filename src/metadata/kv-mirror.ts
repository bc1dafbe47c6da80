// One KV watch kept running for a process: it hands every entry of the watched keys to `apply` (the last value of
// each at first, then every change), and knows how far it has read, so a reader can tell whether a write it made is
// in memory yet.
import type { KV, KvEntry } from '@nats-io/kv';
import { ClosedConnectionError, DrainingConnectionError } from '@nats-io/transport-node';

/** How soon a watch that ended (JetStream restarted, a consumer lost) is started again. */
const REWATCH_MS = 500;

export class KvMirror {
  /** The stream sequence of the last entry applied: every write up to it is in memory. */
  revision = 0;
  private caughtUp = false;
  private stopped = false;
  private watcher: { stop(): void } | undefined;
  private markReady!: () => void;
  private readonly readyPromise = new Promise<void>((resolve) => (this.markReady = resolve));

  /**
   * `idleMs`: for keys written at least that often (heartbeats), a watch that delivers nothing for that long is taken
   * as stalled and started again: a watch whose consumer lived on a NATS server that died can go silent without ending.
   */
  constructor(
    private readonly kv: KV,
    private readonly key: string,
    private readonly apply: (entry: KvEntry) => void,
    private readonly idleMs?: number,
  ) {
    void this.watchLoop();
  }

  /** Whether the watch has delivered the keys as they were when it started (and has kept up since). */
  get ready(): boolean {
    return this.caughtUp;
  }

  /** Resolves once ready, or after `maxWaitMs`, whichever comes first. */
  whenReady(maxWaitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs).unref()));
    return Promise.race([this.readyPromise, timeout]).finally(() => clearTimeout(timer));
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.stop();
  }

  private markCaughtUp(): void {
    this.caughtUp = true;
    this.markReady();
  }

  private async watchLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        // an empty bucket delivers nothing to catch up with
        if ((await this.kv.status()).values === 0) this.markCaughtUp();
        const watch = await this.kv.watch({ key: this.key });
        this.watcher = watch;
        if (this.stopped) watch.stop();
        let lastEntry = performance.now();
        const idle =
          this.idleMs === undefined
            ? undefined
            : setInterval(() => {
                if (performance.now() - lastEntry > this.idleMs!) watch.stop(); // the loop starts another
              }, this.idleMs).unref();
        try {
          for await (const entry of watch) {
            lastEntry = performance.now();
            this.apply(entry);
            this.revision = Math.max(this.revision, entry.revision);
            if (entry.delta === 0) this.markCaughtUp();
          }
        } finally {
          clearInterval(idle);
        }
      } catch (err) {
        // a connection going away ends the watch for good; JetStream away (a restart, a new leader) for a while
        if (err instanceof ClosedConnectionError || err instanceof DrainingConnectionError) return;
      }
      // until the new watch catches up, readers go to the KV itself
      this.caughtUp = false;
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, REWATCH_MS).unref());
    }
  }
}

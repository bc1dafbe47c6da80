// The in-memory copy of the grants bucket, and whether it can be trusted now. A KV watch alone cannot say: when its
// consumer or stream goes away, nats.js retries quietly (idle heartbeats every 30 s) and the copy goes stale without
// a sign. So a probe reads the bucket's stream info every second: the copy is current while the watch has applied
// everything the stream held at a probe less than a lease ago. A failed probe, a disconnection, a stream made anew
// or a watch that ended make it not current at once; a watch that stops delivering, within the lease.
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection, QueuedIterator } from '@nats-io/transport-node';

export interface WatchTiming {
  /** Between probes (default 1000 ms). */
  probeMs?: number;
  /** How long a confirmation holds (default 10000 ms: slow probes on a loaded machine are not an outage). */
  leaseMs?: number;
}

const RETRY_MS = 250;
/** Probes in flight at most: one a second, each waiting at most JetStream's timeout (5 s). */
const MAX_PROBES = 5;

export class GrantsWatch {
  private iterator: QueuedIterator<KvWatchEntry> | undefined;
  private generation = 0;
  private loaded = false;
  private applied = 0;
  private confirmedAt = Number.NEGATIVE_INFINITY;
  private waiting: { seq: number; at: number } | undefined;
  private streamCreated: string | undefined;
  private problem: string | undefined = 'the grants are not loaded yet';
  private restarting = false;
  /** Probes in flight, the last one started, and the newest one that finished. */
  private probing = 0;
  private probes = 0;
  private decided = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly probeMs: number;
  private readonly leaseMs: number;

  /** `apply` gets every entry of the bucket, after `reset` whenever the copy is rebuilt. */
  constructor(
    private readonly kv: KV,
    private readonly nc: NatsConnection,
    private readonly apply: (entry: KvWatchEntry) => void,
    private readonly reset: () => void,
    timing: WatchTiming = {},
  ) {
    this.probeMs = timing.probeMs ?? 1000;
    this.leaseMs = timing.leaseMs ?? 10_000;
  }

  /** Resolves once the copy holds every record; rejects if the first watch ends before that. */
  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => void this.watch(resolve, reject).catch(reject));
    this.timer = setInterval(() => void this.probe(), this.probeMs).unref();
    void this.followConnection();
  }

  /** Why the copy may be stale now, or undefined when it is current. */
  unavailable(): string | undefined {
    if (this.problem !== undefined) return this.problem;
    if (!this.loaded) return 'the grants are being reloaded';
    const age = Date.now() - this.confirmedAt;
    if (age > this.leaseMs) return `the grants watch has not been confirmed current for ${age} ms`;
    return undefined;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.iterator?.stop();
  }

  /** A fresh copy: everything is read again into an empty map, never patched onto a stale one. */
  private async watch(onLoaded?: () => void, onEnded?: (err: Error) => void): Promise<void> {
    const generation = ++this.generation;
    this.iterator?.stop();
    this.loaded = false;
    this.reset();
    this.applied = 0;
    const since = Date.now();
    const status = await this.kv.status();
    this.streamCreated = status.streamInfo.created;
    const iterator = await this.kv.watch();
    this.iterator = iterator;
    const ready = () => {
      this.loaded = true;
      this.problem = undefined;
      this.confirm(since);
      onLoaded?.();
    };
    if (status.values === 0) ready();
    void (async () => {
      try {
        for await (const entry of iterator) {
          this.apply(entry);
          this.applied = Math.max(this.applied, entry.revision);
          if (!this.loaded && entry.delta === 0) ready(); // the newest record when the watch began
          if (this.waiting && this.applied >= this.waiting.seq) this.confirm(this.waiting.at);
        }
      } catch {
        // ended with an error: the same as ending
      }
      if (generation !== this.generation || this.closed) return;
      if (!this.loaded) onEnded?.(new Error('the grants watch ended before it loaded'));
      this.restart('the grants watch ended');
    })();
  }

  /** Not current from now on; a new watch in a moment (and again, as long as it fails). */
  private restart(problem: string): void {
    this.problem = problem;
    if (this.restarting || this.closed) return;
    this.restarting = true;
    setTimeout(() => {
      this.restarting = false;
      if (this.closed) return;
      this.watch().catch((err) => this.restart(`the grants bucket is unreachable: ${(err as Error).message}`));
    }, RETRY_MS).unref();
  }

  private confirm(at: number): void {
    this.confirmedAt = Math.max(this.confirmedAt, at);
    this.waiting = undefined;
  }

  /**
   * What the stream holds now, against what the watch applied. Probes may overlap: one whose request was lost with
   * a NATS server waits out its timeout, and must not keep the copy unconfirmed after JetStream answers again. The
   * newest probe to finish decides; an older one finishing later changes nothing.
   */
  private async probe(): Promise<void> {
    if (this.probing >= MAX_PROBES || this.restarting || this.closed || !this.loaded) return;
    this.probing++;
    const probe = ++this.probes;
    const at = Date.now();
    const newest = () => {
      if (probe < this.decided) return false;
      this.decided = probe;
      return true;
    };
    try {
      const info = (await this.kv.status()).streamInfo;
      if (!newest()) return;
      if (info.created !== this.streamCreated) return this.restart('the grants bucket was made anew');
      this.problem = undefined;
      const seq = info.state.last_seq;
      if (this.applied >= seq) this.confirm(at);
      else if (!this.waiting) this.waiting = { seq, at };
      else if (at - this.waiting.at > this.leaseMs) this.restart('the grants watch stopped delivering');
    } catch (err) {
      if (!newest()) return;
      const reason = `the grants bucket is unreachable: ${(err as Error).message}`;
      // the stream went away: what the watch holds is gone with it; read it anew once it is back
      if (/stream not found/i.test((err as Error).message)) this.restart(reason);
      else this.problem = reason;
    } finally {
      this.probing--;
    }
  }

  /** A disconnection may lose updates: not current until a probe after the reconnection says so. */
  private async followConnection(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (this.closed) return;
      if (s.type === 'disconnect') {
        this.problem = 'disconnected from NATS';
        this.confirmedAt = Number.NEGATIVE_INFINITY;
      } else if (s.type === 'reconnect') void this.probe();
    }
  }
}

// The requests that arrive together (the members of batches, batch.ts, and what else one read of the socket
// brought) start in slices, each in a turn of the event loop of its own: the answers of the first slice go out
// (reply-outbox.ts sends once per turn) while the next is worked on. Started all in one turn, every answer waited
// for the last request's work, and a busy client took all the answers at once before it made more: client and
// backend took turns instead of working at the same time, one message of every request in flight going back and
// forth. Once replies come in slices, a client's next requests do too, and the two stay in step (measured:
// 0.57-0.61x -> 0.69-0.80x raw NATS at 64 calls in flight; docs/benchmarks.md, run 13).
// Requests start in the order they came: one that comes while others wait goes behind them.

/**
 * Requests started in one turn at most. Fewer costs a turn for too little work (16 was slower than 32, 8 slower
 * still); more lets the batch of 64 that a client with 64 calls in flight sends start in one turn again.
 */
export const SLICE_REQUESTS = 32;

/** Past this many started requests at the head of the queue, their slots go (under a backlog it never empties). */
export const COMPACT_AFTER = 1024;

export class Slices {
  private readonly queue: (() => void)[] = [];
  private head = 0;
  private running = false;

  /** `onError`: told of a job that threw (the others still run). */
  constructor(private readonly onError: (err: unknown) => void) {}

  /** Requests waiting for their turn. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Slots the queue holds, started ones not dropped yet included (what it keeps in memory). */
  get held(): number {
    return this.queue.length;
  }

  /**
   * Queues `jobs` (the requests of one message). The first slice starts in a microtask when nothing waits: after
   * the rest of what the same read brought is queued too (nats.js hands a read's messages over one after another).
   */
  run(jobs: readonly (() => void)[]): void {
    for (const job of jobs) this.queue.push(job);
    if (this.running) return;
    this.running = true; // until the queue is empty: what comes meanwhile waits for its turn
    queueMicrotask(() => this.slice());
  }

  private slice(): void {
    const end = Math.min(this.queue.length, this.head + SLICE_REQUESTS);
    while (this.head < end) {
      const job = this.queue[this.head];
      this.queue[this.head++] = NOTHING; // what it holds (a request's bytes) is not kept until the queue empties
      try {
        job();
      } catch (err) {
        this.report(err);
      }
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      this.running = false;
      return;
    }
    if (this.head > COMPACT_AFTER) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    // the check phase of the next turn, not this one's: the outbox sends what this slice answered first
    setImmediate(() => setImmediate(() => this.slice()));
  }

  private report(err: unknown): void {
    try {
      this.onError(err);
    } catch {
      // a report that fails must not stop the queue: every request waiting would go unanswered
    }
  }
}

const NOTHING = () => undefined;

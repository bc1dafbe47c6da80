// The requests of one message (a batch's members, batch.ts) start in slices, each in a turn of the event loop of
// its own: the answers of the first slice go out (reply-outbox.ts sends once per turn) while the next is worked on.
// Started all in one turn, every answer waited for the last request's work, and a busy client took all the answers
// at once before it made more: client and backend took turns instead of working at the same time, one message of
// every request in flight going back and forth. Once replies come in slices, a client's next requests do too, and
// the two stay in step (measured: 13.5k -> 16.5-19.2k calls/s at 64 in flight; docs/benchmarks.md, run 13).
// Requests start in the order they came: one that comes while others wait goes behind them.

/**
 * Requests started in one turn at most. Fewer costs a turn for too little work (16 was slower than 32, 8 slower
 * still); more lets a batch of 64, what a client with 64 calls in flight sends, go in one slice again.
 */
export const SLICE_REQUESTS = 32;

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

  /** Starts `jobs` (the requests of one message), the first slice of them now if nothing waits. */
  run(jobs: readonly (() => void)[]): void {
    for (const job of jobs) this.queue.push(job);
    if (!this.running) this.slice();
  }

  private slice(): void {
    this.running = true; // until the queue is empty: a message that comes meanwhile waits for its turn
    const end = Math.min(this.queue.length, this.head + SLICE_REQUESTS);
    while (this.head < end) {
      const job = this.queue[this.head];
      this.queue[this.head++] = NOTHING; // what it holds (a request's bytes) is not kept until the queue empties
      try {
        job();
      } catch (err) {
        this.onError(err);
      }
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      this.running = false;
      return;
    }
    // the check phase of the next turn, not this one's: the outbox sends what this slice answered first
    setImmediate(() => setImmediate(() => this.slice()));
  }
}

const NOTHING = () => undefined;

// Requests waiting for the end of the microtask checkpoint to go in batches (batch.ts), in the order they were made.
// Per backend, each run of requests to the same batch subject (the same space and user) goes as one batch, or more
// when it does not fit one: runs go in order, so a request is never published before one made earlier to the same
// backend (an admin's `flush` between two of its calls, or a backend's requests on behalf of two users).
import { type BatchMember, batchSubject, frameBudget, frameCost, MEMBERS_MAX } from './batch.js';
import { chunkBySize } from './chunks.js';
import { perSubject } from './subjects.js';

export interface Queued extends BatchMember {
  subject: string;
  /** The batch subject it goes to. */
  to: string;
}

/** What a request's subject is made of, worked out once per subject (three new strings per request otherwise). */
const routeOf = perSubject((subject) => ({
  to: batchSubject(subject),
  op: subject.slice(subject.lastIndexOf('.') + 1),
  backend: backendOf(subject),
}));

export class BatchQueue {
  /** By backend, in the order made. */
  private waiting = new Map<string, Queued[]>();

  /**
   * `publish`: sends members to their batch subject (one alone as it is); `stillWaiting`: false for a request that
   * ended before its turn came (aborted, timed out, the connection closed).
   */
  constructor(
    private readonly publish: (to: string, members: Queued[]) => void,
    private readonly maxPayload: () => number | undefined,
    private readonly stillWaiting: (id: number) => boolean,
  ) {}

  get empty(): boolean {
    return this.waiting.size === 0;
  }

  add(subject: string, id: number, payload: Uint8Array): void {
    if (this.waiting.size === 0) queueMicrotask(() => this.flush());
    const { to, op, backend } = routeOf(subject);
    const member: Queued = { subject, to, op, id, payload };
    const queue = this.waiting.get(backend);
    if (queue) queue.push(member);
    else this.waiting.set(backend, [member]);
  }

  /** The ids of the requests not published yet. */
  ids(): Set<number> {
    const ids = new Set<number>();
    for (const queue of this.waiting.values()) for (const m of queue) ids.add(m.id);
    return ids;
  }

  /** Publishes everything waiting. */
  flush(): void {
    const waiting = this.waiting;
    this.waiting = new Map();
    const budget = frameBudget(this.maxPayload());
    const cost = (m: Queued) => frameCost(m.payload, m.op);
    for (const queue of waiting.values()) {
      for (const run of runs(queue.filter((m) => this.stillWaiting(m.id)))) {
        for (const members of chunkBySize(run, cost, budget, MEMBERS_MAX)) this.publish(run[0].to, members);
      }
    }
  }
}

/** `dc.<ns>.<space>.<user>.be.<id>.<op>` without its space, user and operation: the backend it goes to. */
function backendOf(subject: string): string {
  const t = subject.split('.');
  return `${t[1]}.${t[5]}`; // by position: a namespace or a user may be named `be`
}

/** Consecutive members to the same batch subject. */
function runs(queue: Queued[]): Queued[][] {
  const out: Queued[][] = [];
  for (const m of queue) {
    const last = out.at(-1);
    if (last && last[0].to === m.to) last.push(m);
    else out.push([m]);
  }
  return out;
}

// Independent makePersistent calls to one backend, made in one event-loop turn (`Promise.all` of many), go in one
// `persistEach` request: the backend writes them in one commit, and one message each way carries them all. Each
// call still gets its own outcome: a graph the backend refuses fails only its own call. One alone goes as a plain
// `persist`, as it did before.
import { ProtocolError } from '../errors.js';
import { isUnknownOperation } from '../protocol/handlers.js';
import { fromWireError } from '../messaging/envelope.js';
import { chunkBySize, wireRecordSize } from '../messaging/chunks.js';
import type { RequestContext } from '../object/context.js';
import { toWire } from '../protocol/session.js';
import type { WireRecord } from '../serialization/graph.js';
import type { Requests } from './requests.js';

interface Waiting {
  records: WireRecord[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Batch {
  target: string;
  session: RequestContext;
  waiting: Waiting[];
}

/** A graph's weight in a request: its records', with their msgpack headers (as chunkBySize counts them). */
const graphSize = (w: Waiting) => w.records.reduce((n, r) => n + wireRecordSize(r) + 32, 0);

export class PersistBatches {
  /** Batches still gathering, by target and session: each is sent at the end of the turn it was begun in. */
  private readonly gathering = new Map<string, Batch>();
  /** Backends of an older build, without persistEach: each persist goes to them alone. */
  private readonly plainOnly = new Set<string>();

  constructor(private readonly requests: Pick<Requests, 'request' | 'batchBudget'>) {}

  /**
   * Makes one graph of new objects (one message's worth, no alias) persistent on `target`, with the calls of this
   * turn to the same target in the same session. A context with its own abort signal goes alone.
   */
  persist(target: string, session: RequestContext, records: WireRecord[]): Promise<void> {
    if (session.signal || this.plainOnly.has(target)) return this.plain(target, session, records);
    const key = `${target}\n${session.username}\n${session.dataset}\n${session.chain ?? ''}\n${session.timeoutMs ?? ''}`;
    return new Promise<void>((resolve, reject) => {
      let batch = this.gathering.get(key);
      if (!batch) {
        batch = { target, session, waiting: [] };
        this.gathering.set(key, batch);
        const begun = batch;
        setImmediate(() => {
          this.gathering.delete(key);
          this.send(begun);
        });
      }
      batch.waiting.push({ records, resolve, reject });
    });
  }

  private plain(target: string, session: RequestContext, records: WireRecord[]): Promise<void> {
    return this.requests.request(target, 'persist', [toWire(session), records], undefined, session);
  }

  /** Each as a plain persist of its own. */
  private each(target: string, session: RequestContext, waiting: Waiting[]): void {
    for (const w of waiting) this.plain(target, session, w.records).then(w.resolve, w.reject);
  }

  private send({ target, session, waiting }: Batch): void {
    // in the context of the calls (their timeout; on a backend, their user), whichever context this turn's end runs
    // in: named to each request, not entered, as entering a context once turns on Node 20's promise hooks for the
    // whole process (a cost on every later call)
    if (waiting.length === 1) {
      this.each(target, session, waiting);
      return;
    }
    for (const chunk of chunkBySize(waiting, graphSize, this.requests.batchBudget())) {
      const graphs = chunk.map((w) => w.records);
      this.requests.request(target, 'persistEach', [toWire(session), graphs], undefined, session).then(
        (outcomes) =>
          chunk.forEach((w, i) => {
            const refused = outcomes[i];
            if (refused === undefined) w.reject(unanswered(outcomes.length, chunk.length));
            else if (refused === null) w.resolve();
            else w.reject(fromWireError(refused));
          }),
        (err) => {
          if (!isUnknownOperation(err, 'persistEach')) for (const w of chunk) w.reject(err);
          else {
            this.plainOnly.add(target); // nothing of it was applied: each goes again, alone
            this.each(target, session, chunk);
          }
        },
      );
    }
  }
}

/** A reply that does not give every graph its outcome: the backend is not one this client can talk to. */
function unanswered(answered: number, sent: number): ProtocolError {
  return new ProtocolError(`persistEach answered ${answered} of ${sent} graphs`, {
    operation: 'persistEach',
    part: 'reply',
  });
}

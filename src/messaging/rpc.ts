// The serving side of request/reply: every request gets an answer, a handler that throws gets an error reply,
// and a reply that cannot be sent (too large) becomes an error reply. Nothing here can crash the process.
// Before any of that, the subject says who calls, and a request whose reply subject is not the caller's inbox is
// dropped unanswered (subjects.ts replyAllowed). A batch (batch.ts) is a backend's own: each member is served as if
// it had come alone on its own subject, and answered on its own (reply-outbox.ts puts the answers of one turn
// together). A queue group's member knows no `batch` operation: its members would each answer some. Requests start
// in the order they came, a user's or an admin's batch in slices of a turn each, another backend's whole (slices.ts).
import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';
import { ProtocolError } from '../errors.js';
import { BATCH_OP, type BatchMember, decodeBatch, memberSubject } from './batch.js';
import { encodeError } from './envelope.js';
import { PartStore } from './part-store.js';
import { FETCH, PART } from './parts.js';
import { ReplyOutbox } from './reply-outbox.js';
import { Slices } from './slices.js';
import { type Incoming, parseSubject, replyAllowed } from './subjects.js';

const EMPTY = new Uint8Array(0);

/** `headers`: the request's, when it has any (the caller's trace context). */
export type Handler = (data: Uint8Array, incoming: Incoming, headers?: MsgHdrs) => Promise<Uint8Array>;

export interface ServeOptions {
  queue?: string;
  onError?: (err: unknown, subject: string) => void;
  /** Told of every request dropped unanswered: a subject outside the scheme, or a reply that is not the caller's. */
  onDropped?: (subject: string, reply: string | undefined) => void;
  /** Told of every request answered: its subject, how long it took, and whether it succeeded. */
  onServed?: (subject: string, seconds: number, ok: boolean) => void;
}

/** Where a request's answer goes: alone to `reply`, or with the other answers to its batch. */
interface AnswerTo {
  subject: string;
  reply: string;
  batch?: { reply: string; id: number };
}

/** A serving subscription that knows the requests it is still answering. */
export interface Server {
  readonly subscription: Subscription;
  /** Stops taking requests, then waits (at most `graceMs`) for those in flight to be answered. */
  close(graceMs?: number): Promise<void>;
}

export function serve(nc: NatsConnection, subject: string, handler: Handler, options: ServeOptions = {}): Server {
  // requests being answered: a counter, and a waiter for close(); no per-request bookkeeping objects
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const done = () => {
    if (--inFlight === 0) drained?.();
  };
  const report = (err: unknown, subj: string) => {
    try {
      options.onError?.(err, subj);
    } catch {
      // a report that fails must not become an unhandled rejection: it is called from the promise chains below
    }
  };
  // messages in parts (parts.ts) need one process behind the subject: not a queue group's
  const parts = options.queue === undefined ? new PartStore() : undefined;
  const outbox = new ReplyOutbox(nc, parts, report);
  const slices = new Slices((err) => report(err, subject));
  /** A part of a large request (the whole once its last part is in) or a fetch of a reply's part, answered here. */
  const inParts = (msg: Msg, reply: string, headers: MsgHdrs): Uint8Array | undefined => {
    const fetch = headers.get(FETCH);
    try {
      if (!parts) throw new ProtocolError(`messages in parts are not served on ${subject}`);
      if (fetch) {
        outbox.publish(msg.subject, reply, parts.fetch(msg.subject, fetch));
        return undefined;
      }
      const whole = parts.receive(msg.subject, headers.get(PART), msg.data);
      if (!whole) outbox.publish(msg.subject, reply, EMPTY);
      return whole;
    } catch (err) {
      report(err, msg.subject);
      outbox.publish(msg.subject, reply, fetch ? EMPTY : encodeError(err)); // an empty part: the fetcher's "gone"
      return undefined;
    }
  };
  /** Runs the handler on one request (alone or a batch's member) and queues its answer, whatever happens. */
  const run = (data: Uint8Array, incoming: Incoming, headers: MsgHdrs | undefined, on: AnswerTo, started: number) => {
    let pending: Promise<Uint8Array>;
    try {
      pending = handler(data, incoming, headers);
    } catch (e) {
      pending = Promise.reject(e);
    }
    const answer = (bytes: Uint8Array, ok: boolean) => {
      const sent = () => {
        try {
          options.onServed?.(on.subject, (performance.now() - started) / 1000, ok);
        } finally {
          done(); // once sent: close() waits for it
        }
      };
      outbox.add({ subject: on.subject, reply: on.reply, batch: on.batch, bytes, sent });
    };
    pending
      .then(
        (bytes) => answer(bytes, true),
        (e) => {
          try {
            report(e, on.subject);
            answer(encodeError(e), false);
          } catch (failed) {
            done(); // no answer can be made: the caller's timeout answers for us
            throw failed;
          }
        },
      )
      .catch((e) => report(e, on.subject)); // nothing above may throw; if it does, it is logged, never fatal
  };
  /** A request counted in flight, to start in its turn (slices.ts). */
  const job = (data: Uint8Array, incoming: Incoming, headers: MsgHdrs | undefined, on: AnswerTo) => {
    inFlight++; // from now: close() waits for a request that waits for its turn too
    const started = options.onServed ? performance.now() : 0; // its time served includes its wait
    return () => run(data, incoming, headers, on, started);
  };
  /** A batch (batch.ts): each member runs as if it had come alone, on its own subject; a bad frame fails it whole. */
  const runBatch = (batch: string, reply: string, data: Uint8Array, fromBackend: boolean) => {
    let members: BatchMember[];
    try {
      members = decodeBatch(data);
    } catch (err) {
      report(err, batch);
      outbox.publish(batch, reply, encodeError(err));
      return;
    }
    const inbox = reply.slice(0, reply.lastIndexOf('.') + 1);
    const jobs = members.map(({ op, id, payload }) => {
      const own = memberSubject(batch, op);
      const incoming = parseSubject(own)!; // the batch's subject parsed, and op is a token
      return job(payload, incoming, undefined, { subject: own, reply: `${inbox}${id}`, batch: { reply, id } });
    });
    // another backend's batch (copies it pushes, transfers) starts whole in its turn, as before slices: its members
    // belong together, and what a restarted holder does between turns must not come between them
    slices.run(fromBackend ? [() => jobs.forEach((start) => start())] : jobs);
  };
  const subscription = nc.subscribe(subject, {
    queue: options.queue,
    callback: (err, msg) => {
      if (err) return report(err, subject);
      const incoming = parseSubject(msg.subject);
      const reply = msg.reply;
      if (!incoming || !replyAllowed(incoming, reply)) return options.onDropped?.(msg.subject, reply);
      const headers = msg.headers;
      let data = msg.data;
      const batch = incoming.op === BATCH_OP && incoming.backendId !== undefined;
      if (batch && headers) {
        // a caller's batch fits one message; in parts it would hold a backend's buffers for hundreds of requests
        const refused = new ProtocolError('a batch comes in one message, without headers', { operation: BATCH_OP });
        return outbox.publish(msg.subject, reply!, encodeError(refused));
      }
      if (headers && (headers.has(PART) || headers.has(FETCH))) {
        const whole = inParts(msg, reply!, headers);
        if (!whole) return;
        data = whole;
      }
      if (batch) runBatch(msg.subject, reply!, data, incoming.space === 'b');
      else slices.run([job(data, incoming, headers, { subject: msg.subject, reply: reply! })]);
    },
  });
  return {
    subscription,
    async close(graceMs = 10_000) {
      await subscription.drain(); // delivers what the server already sent us, takes nothing new
      parts?.clear();
      if (inFlight === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        drained = resolve;
        timer = setTimeout(resolve, graceMs);
      });
      clearTimeout(timer);
    },
  };
}

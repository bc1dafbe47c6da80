// The serving side of request/reply: every request gets an answer, a handler that throws gets an error reply,
// and a reply that cannot be sent (too large) becomes an error reply. Nothing here can crash the process.
// Before any of that, the subject says who calls, and a request whose reply subject is not the caller's inbox is
// dropped unanswered (subjects.ts replyAllowed).
import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';
import { PayloadTooLargeError, ProtocolError } from '../errors.js';
import { encodeError } from './envelope.js';
import { PartStore } from './part-store.js';
import { FETCH, PART, partSize } from './parts.js';
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
  const report = (err: unknown, subj: string) => options.onError?.(err, subj);
  // replies go out together, once per event-loop turn: nats.js writes to the socket once per microtask checkpoint,
  // and each request's reply comes in a checkpoint of its own (fewer writes; the calls/s it gains were within this
  // machine's noise, docs/benchmarks.md, and the p50 did not move)
  let outbox: (() => void)[] = [];
  const sendAll = () => {
    const sending = outbox;
    outbox = [];
    for (const send of sending) send();
  };
  const later = (send: () => void) => {
    if (outbox.length === 0) setImmediate(sendAll);
    outbox.push(send);
  };
  // messages in parts (parts.ts) need one process behind the subject: not a queue group's
  const parts = options.queue === undefined ? new PartStore() : undefined;
  const respond = (msg: Msg, bytes: Uint8Array) => {
    if (!msg.reply) return;
    const max = nc.info?.max_payload;
    try {
      if (max === undefined || bytes.length <= max) msg.respond(bytes);
      else if (!parts) msg.respond(encodeError(new PayloadTooLargeError(msg.reply, bytes.length, max)));
      else {
        const { first, headers } = parts.offer(msg.subject, bytes, partSize(max));
        msg.respond(first, { headers });
      }
    } catch (err) {
      report(err, msg.subject); // connection closing: the caller's timeout answers for us
    }
  };
  /** A part of a large request (the whole once its last part is in) or a fetch of a reply's part, answered here. */
  const inParts = (msg: Msg, headers: MsgHdrs): Uint8Array | undefined => {
    const fetch = headers.get(FETCH);
    try {
      if (!parts) throw new ProtocolError(`messages in parts are not served on ${subject}`);
      if (fetch) {
        respond(msg, parts.fetch(msg.subject, fetch));
        return undefined;
      }
      const whole = parts.receive(msg.subject, headers.get(PART), msg.data);
      if (!whole) respond(msg, EMPTY);
      return whole;
    } catch (err) {
      report(err, msg.subject);
      respond(msg, fetch ? EMPTY : encodeError(err)); // an empty part: the fetcher's "gone"
      return undefined;
    }
  };
  const subscription = nc.subscribe(subject, {
    queue: options.queue,
    callback: (err, msg) => {
      if (err) return report(err, subject);
      const incoming = parseSubject(msg.subject);
      if (!incoming || !replyAllowed(incoming, msg.reply)) return options.onDropped?.(msg.subject, msg.reply);
      const headers = msg.headers;
      let data = msg.data;
      if (headers && (headers.has(PART) || headers.has(FETCH))) {
        const whole = inParts(msg, headers);
        if (!whole) return;
        data = whole;
      }
      const started = options.onServed ? performance.now() : 0;
      const served = (ok: boolean) => options.onServed?.(msg.subject, (performance.now() - started) / 1000, ok);
      let pending: Promise<Uint8Array>;
      try {
        pending = handler(data, incoming, headers);
      } catch (e) {
        pending = Promise.reject(e);
      }
      inFlight++;
      const answer = (bytes: Uint8Array, ok: boolean) =>
        later(() => {
          try {
            respond(msg, bytes);
            served(ok);
          } catch (e) {
            report(e, msg.subject); // nothing here may throw; if it does, it is logged, never fatal
          } finally {
            done(); // once sent: close() waits for it
          }
        });
      pending
        .then(
          (bytes) => answer(bytes, true),
          (e) => {
            try {
              report(e, msg.subject);
              answer(encodeError(e), false);
            } catch (failed) {
              done(); // no answer can be made: the caller's timeout answers for us
              throw failed;
            }
          },
        )
        .catch((e) => report(e, msg.subject)); // nothing above may throw; if it does, it is logged, never fatal
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

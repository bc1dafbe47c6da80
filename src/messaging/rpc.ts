// Request/reply over NATS with a timeout on every request, and a server loop that always answers.
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { errors } from '@nats-io/transport-node';
import { TimeoutError } from '../errors.js';
import { encodeError } from './envelope.js';

/** Nobody subscribes to the subject: the caller maps it (backend gone, no backends at all). */
export class NoResponders extends Error {
  constructor(readonly subject: string) {
    super(`no responders on ${subject}`);
  }
}

export interface RequestOptions { timeoutMs: number }

export async function request(nc: NatsConnection, subject: string, payload: Uint8Array, options: RequestOptions): Promise<Uint8Array> {
  try {
    const msg = await nc.request(subject, payload, { timeout: options.timeoutMs });
    return msg.data;
  } catch (err) {
    if (err instanceof errors.RequestError && err.isNoResponders()) throw new NoResponders(subject);
    if (err instanceof errors.TimeoutError || (err instanceof errors.RequestError && err.cause instanceof errors.TimeoutError)) {
      throw new TimeoutError(`request on ${subject}`, options.timeoutMs, { cause: err });
    }
    throw err;
  }
}

export type Handler = (data: Uint8Array, subject: string) => Promise<Uint8Array>;

export interface ServeOptions { queue?: string; onError?: (err: unknown, subject: string) => void }

/** Answers every request: a handler that throws (or a malformed request) gets an error reply, never silence. */
export function serve(nc: NatsConnection, subject: string, handler: Handler, options: ServeOptions = {}): Subscription {
  const respond = (msg: Msg, bytes: Uint8Array) => {
    if (msg.reply) msg.respond(bytes);
  };
  return nc.subscribe(subject, {
    queue: options.queue,
    callback: (err, msg) => {
      if (err) {
        options.onError?.(err, subject);
        return;
      }
      handler(msg.data, msg.subject).then(
        (bytes) => respond(msg, bytes),
        (e) => {
          options.onError?.(e, msg.subject);
          respond(msg, encodeError(e));
        },
      );
    },
  });
}

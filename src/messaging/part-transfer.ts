// The calling side of messages in parts (parts.ts): a request too large for one message is sent in parts, and a
// reply announced in parts is fetched; both through the multiplexer, so timeouts and the AbortSignal apply to each.
import type { MsgHdrs } from '@nats-io/transport-node';
import { ProtocolError } from '../errors.js';
import { FETCH, PART, header, join, parseHeader, partSize, split, transferId } from './parts.js';

/** One request through the multiplexer, with headers; resolves to the reply's bytes. */
export type Send = (subject: string, payload: Uint8Array, headers: MsgHdrs) => Promise<Uint8Array>;

const EMPTY = new Uint8Array(0);

/** Resolves to the reply of the last part: the answer. */
export async function requestInParts(
  send: Send,
  subject: string,
  payload: Uint8Array,
  maxPayload: number,
): Promise<Uint8Array> {
  const parts = split(payload, partSize(maxPayload));
  const id = transferId();
  const last = parts.length - 1;
  for (let i = 0; i < last; i++) {
    const ack = await send(subject, parts[i], header(PART, id, i, parts.length));
    if (ack.length > 0) return ack; // refused (an error reply): that is the answer
  }
  return send(subject, parts[last], header(PART, id, last, parts.length));
}

/** The whole reply, from its first part and the `Dc-Parts` header that came with it. */
export async function fetchRest(send: Send, subject: string, first: Uint8Array, value: string): Promise<Uint8Array> {
  const parsed = parseHeader(value, 1);
  if (!parsed || parsed.n[0] < 2) throw new ProtocolError(`malformed parts header "${value}"`, { part: 'reply' });
  const parts = [first];
  for (let i = 1; i < parsed.n[0]; i++) {
    const part = await send(subject, EMPTY, header(FETCH, parsed.id, i));
    // parts are never empty: an empty answer is the server saying it has no such part (expired)
    if (part.length === 0) throw new ProtocolError(`part ${i} of a reply on ${subject} is gone`, { part: 'reply' });
    parts.push(part);
  }
  return join(parts);
}

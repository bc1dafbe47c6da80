// Messages larger than the server's max_payload, in parts (DESIGN §3: chunked, never refused). Only the large path
// pays: a message under max_payload is sent as it is, and one header lookup is all a receiver adds.
//
// A request in parts: each part but the last is a request of its own to the same subject, header `Dc-Part: <id>
// <index> <count>`, acknowledged with an empty reply (flow control, and "no responders" shows at once); the last
// part's reply is the answer. A reply in parts: the first part with `Dc-Parts: <id> <count>`; the caller fetches
// the others from the same subject (`Dc-Fetch: <id> <index>`), one at a time, so nothing floods a slow consumer.
// Both work only where one process serves the subject (a backend's own), not in a queue group (metadata).
import { randomUUID } from 'node:crypto';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

export const PART = 'Dc-Part';
export const PARTS = 'Dc-Parts';
export const FETCH = 'Dc-Fetch';

/** Room left in each message for the headers (max_payload counts them). */
const HEADROOM = 4096;

export function partSize(maxPayload: number): number {
  return Math.max(1024, maxPayload - HEADROOM);
}

/** `bytes` cut into parts of at most `size` bytes (views, not copies). */
export function split(bytes: Uint8Array, size: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) parts.push(bytes.subarray(at, at + size));
  return parts;
}

export function join(parts: Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    whole.set(p, at);
    at += p.length;
  }
  return whole;
}

const prefix = randomUUID().slice(0, 8);
let seq = 0;

/** An id for one transfer, unique for this process's lifetime (receivers key it by subject as well). */
export function transferId(): string {
  return `${prefix}${(++seq).toString(36)}`;
}

export function header(name: string, ...values: (string | number)[]): MsgHdrs {
  const h = natsHeaders();
  h.set(name, values.join(' '));
  return h;
}

/** `<id> <n> <m>` with whole numbers, or undefined. */
export function parseHeader(value: string, numbers: number): { id: string; n: number[] } | undefined {
  const [id, ...rest] = value.split(' ');
  const n = rest.map(Number);
  if (!id || n.length !== numbers || !n.every((x) => Number.isSafeInteger(x) && x >= 0)) return undefined;
  return { id, n };
}

// The serving side of messages in parts (parts.ts): request parts waiting for their last one, and replies waiting
// to be fetched. Keyed by subject and transfer id: the subject carries the caller's identity (the server checks it
// on publish), so nobody adds parts to, or fetches parts of, another caller's transfer. Bounded: transfers idle for
// a minute are dropped, and the parts held stay under a total.
import type { MsgHdrs } from '@nats-io/transport-node';
import { PayloadTooLargeError, ProtocolError } from '../errors.js';
import { PARTS, header, join, parseHeader, split, transferId } from './parts.js';

const IDLE_MS = 60_000;
/** Most bytes of request parts held at once (by one serving subscription). */
const MAX_BUFFERED = 512 * 1024 * 1024;

interface Transfer {
  parts: Uint8Array[];
  count: number;
  bytes: number;
  touched: number;
}

export class PartStore {
  private readonly inbound = new Map<string, Transfer>();
  private readonly outbound = new Map<string, Transfer>();
  private buffered = 0;

  /** A request part: the whole request once its last part is in, else undefined (acknowledge it). */
  receive(subject: string, value: string, data: Uint8Array): Uint8Array | undefined {
    const parsed = parseHeader(value, 2);
    if (!parsed || parsed.n[0] >= parsed.n[1]) throw new ProtocolError(`malformed part header "${value}"`);
    const [index, count] = parsed.n;
    const key = `${subject} ${parsed.id}`;
    this.sweep();
    let t = this.inbound.get(key);
    if (!t) {
      t = { parts: [], count, bytes: 0, touched: 0 };
      this.inbound.set(key, t);
    }
    if (t.count !== count) {
      this.drop(key);
      throw new ProtocolError(`part ${index} of transfer ${parsed.id} says ${count} parts, not ${t.count}`);
    }
    if (this.buffered + data.length > MAX_BUFFERED) {
      this.drop(key);
      throw new PayloadTooLargeError(subject, t.bytes + data.length, MAX_BUFFERED);
    }
    t.parts[index] = data;
    t.bytes += data.length;
    t.touched = Date.now();
    this.buffered += data.length;
    if (index < count - 1) return undefined;
    const parts = t.parts;
    this.drop(key);
    // (a loop, not some(): some() skips the holes a missing part leaves)
    let complete = parts.length === count;
    for (let i = 0; complete && i < count; i++) complete = parts[i] !== undefined;
    if (!complete) {
      throw new ProtocolError(`the parts of transfer ${parsed.id} did not all arrive`, { part: 'request' });
    }
    return join(parts);
  }

  /** A reply too large for one message: kept for fetching; what to send now is its first part. */
  offer(subject: string, bytes: Uint8Array, size: number): { first: Uint8Array; headers: MsgHdrs } {
    this.sweep();
    const parts = split(bytes, size);
    const id = transferId();
    this.outbound.set(`${subject} ${id}`, { parts, count: parts.length, bytes: bytes.length, touched: Date.now() });
    return { first: parts[0], headers: header(PARTS, id, parts.length) };
  }

  /** A fetch of part `<index>` of reply `<id>`; the last one fetched ends the transfer. */
  fetch(subject: string, value: string): Uint8Array {
    const parsed = parseHeader(value, 1);
    const key = parsed && `${subject} ${parsed.id}`;
    const t = key === undefined ? undefined : this.outbound.get(key);
    const index = parsed?.n[0] ?? -1;
    if (!t || !key || index < 1 || index >= t.count) {
      throw new ProtocolError(`no reply part "${value}" here (expired, or never offered)`, { part: 'reply' });
    }
    t.touched = Date.now();
    if (index === t.count - 1) this.outbound.delete(key);
    return t.parts[index];
  }

  clear(): void {
    this.inbound.clear();
    this.outbound.clear();
    this.buffered = 0;
  }

  private drop(key: string): void {
    const t = this.inbound.get(key);
    if (!t) return;
    this.buffered -= t.bytes;
    this.inbound.delete(key);
  }

  private sweep(): void {
    const idle = Date.now() - IDLE_MS;
    for (const [key, t] of this.inbound) if (t.touched < idle) this.drop(key);
    for (const [key, t] of this.outbound) if (t.touched < idle) this.outbound.delete(key);
  }
}

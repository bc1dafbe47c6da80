// Requests to one backend that wait in the same microtask checkpoint go as one message, and their replies that are
// ready in the same event-loop turn come back as one (docs/architecture.md, "Calls in flight share messages"): with
// many calls in flight, nats-server and both ends handle a message per batch instead of one per call.
//
// A batch request goes to the members' subject with its last token (the operation) replaced by `batch`, so it is
// published under the same prefix and the server's permissions hold as for its members. Its payload is a msgpack
// array `[op, id, bytes, op, id, bytes, ...]`: each member's operation, the caller's id for it and its request as
// it would have been sent alone. The reply subject is the caller's inbox with the token `b<n>`. Replies come as
// `[2, id, bytes, id, bytes, ...]` to that subject (one message per event-loop turn of the backend), or alone to
// `<inbox>.<id>` (a reply too large to share a message), or, for the whole batch at once, as one ordinary reply
// envelope (`[1, error]`: an older build's "unknown operation 'batch'", a frame it could not read).
import { Packr } from 'msgpackr';
import { ProtocolError } from '../errors.js';

export const BATCH_OP = 'batch';
/** Requests larger than this go alone: a batch is for the many small calls of a busy client. */
export const MEMBER_MAX_BYTES = 16 * 1024;
/** Members of one batch at most (a frame with more is refused). */
export const MEMBERS_MAX = 256;
/** Bytes of one batch at most, whatever the server allows: a large batch only delays its first member. */
export const BATCH_MAX_BYTES = 256 * 1024;
/** Room kept in a batch for the frame's own bytes. */
const FRAME_OVERHEAD = 64;
const REPLY_FRAME = 2;
const OP = /^[A-Za-z0-9_-]{1,64}$/;

// plain msgpack: a frame's members are bytes already encoded, never values; bytes decode as views of the message
const frames = new Packr({ useRecords: false, copyBuffers: false } as ConstructorParameters<typeof Packr>[0]);

export interface BatchMember {
  op: string;
  id: number;
  payload: Uint8Array;
}

/** The subject a batch of requests to `subject`'s backend goes to: the same, with `batch` for the operation. */
export function batchSubject(subject: string): string {
  return `${subject.slice(0, subject.lastIndexOf('.') + 1)}${BATCH_OP}`;
}

/** A member's own subject, from its batch's. */
export function memberSubject(batch: string, op: string): string {
  return `${batch.slice(0, batch.lastIndexOf('.') + 1)}${op}`;
}

/** The bytes a frame may take: the server's max_payload (when known) bounds it too. */
export function frameBudget(maxPayload: number | undefined): number {
  return Math.min(BATCH_MAX_BYTES, (maxPayload ?? BATCH_MAX_BYTES) - FRAME_OVERHEAD);
}

/**
 * The most a member takes in a frame: its bytes, its operation (a string of at most 64 bytes and its header), an id
 * (at most 9 bytes) and the bytes' header (at most 5).
 */
export function frameCost(bytes: Uint8Array, op = ''): number {
  return bytes.length + op.length + 16;
}

export function encodeBatch(members: readonly BatchMember[]): Uint8Array {
  const flat: unknown[] = [];
  for (const m of members) flat.push(m.op, m.id, m.payload);
  return frames.pack(flat);
}

/** A batch's members, or a ProtocolError naming what is wrong with the frame. */
export function decodeBatch(bytes: Uint8Array): BatchMember[] {
  let flat: unknown;
  try {
    flat = frames.unpack(bytes);
  } catch (err) {
    throw new ProtocolError('a batch that is not msgpack', { operation: BATCH_OP, part: 'message' }, { cause: err });
  }
  if (!Array.isArray(flat) || flat.length === 0 || flat.length % 3 !== 0 || flat.length > 3 * MEMBERS_MAX) {
    throw new ProtocolError(`a batch must be [op, id, bytes, ...] with 1 to ${MEMBERS_MAX} members`, {
      operation: BATCH_OP,
      part: 'message',
    });
  }
  const members: BatchMember[] = [];
  for (let i = 0; i < flat.length; i += 3) {
    const [op, id, payload] = [flat[i], flat[i + 1], flat[i + 2]];
    if (typeof op !== 'string' || !OP.test(op) || !isId(id) || !(payload instanceof Uint8Array)) {
      throw new ProtocolError(`member ${i / 3} of a batch is not an operation, an id and bytes`, {
        operation: BATCH_OP,
        part: 'message',
      });
    }
    members.push({ op, id, payload });
  }
  return members;
}

export function encodeBatchReply(replies: readonly { id: number; bytes: Uint8Array }[]): Uint8Array {
  const flat: unknown[] = [REPLY_FRAME];
  for (const r of replies) flat.push(r.id, r.bytes);
  return frames.pack(flat);
}

/**
 * The replies a batch reply carries, as [id, bytes] pairs; undefined when it is not a frame of replies but one answer
 * for the whole batch (an error envelope, which is always an array of two: a frame never is), or a frame that cannot
 * be read (each member then gets it as its reply, which its caller refuses as malformed).
 */
export function readBatchReply(bytes: Uint8Array): [number, Uint8Array][] | undefined {
  if (bytes.length === 0 || bytes[0] === 0x92) return undefined;
  let flat: unknown;
  try {
    flat = frames.unpack(bytes);
  } catch {
    return undefined;
  }
  if (!Array.isArray(flat) || flat[0] !== REPLY_FRAME || flat.length % 2 !== 1) return undefined;
  const replies: [number, Uint8Array][] = [];
  for (let i = 1; i < flat.length; i += 2) {
    const [id, reply] = [flat[i], flat[i + 1]];
    if (!isId(id) || !(reply instanceof Uint8Array)) return undefined; // no member is left waiting on a bad frame
    replies.push([id, reply]);
  }
  return replies;
}

function isId(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 0;
}

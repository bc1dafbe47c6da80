// The batch frames (messaging/batch.ts): what a caller packs is what a backend unpacks; anything else is a
// ProtocolError, and a reply frame is never mistaken for a reply envelope (nor the other way round).
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/index.js';
import {
  batchSubject,
  decodeBatch,
  encodeBatch,
  encodeBatchReply,
  MEMBERS_MAX,
  memberSubject,
  readBatchReply,
} from '../../src/messaging/batch.js';
import { encodeError, encodeOk } from '../../src/messaging/envelope.js';

const bytes = (...xs: number[]) => new Uint8Array(xs);
const plain = new Packr({ useRecords: false });

describe('batch frames', () => {
  it('carry each member as it was packed', () => {
    const members = [
      { op: 'call', id: 1, payload: bytes(1, 2, 3) },
      { op: 'get', id: 2 ** 40, payload: bytes() },
    ];
    const back = decodeBatch(encodeBatch(members));
    expect(back.map((m) => [m.op, m.id, [...m.payload]])).toEqual([
      ['call', 1, [1, 2, 3]],
      ['get', 2 ** 40, []],
    ]);
  });

  it('name their subject after their members', () => {
    expect(batchSubject('dc.ns.u.alice.be.backend-1.call')).toBe('dc.ns.u.alice.be.backend-1.batch');
    expect(memberSubject('dc.ns.u.alice.be.backend-1.batch', 'get')).toBe('dc.ns.u.alice.be.backend-1.get');
  });

  it.each([
    ['bytes that are not msgpack', bytes(0xc1)],
    ['a value that is not an array', plain.pack({ op: 'call' })],
    ['an empty array', plain.pack([])],
    ['an array of the wrong length', plain.pack(['call', 1])],
    ['an operation that is not a token', plain.pack(['md.alias.get', 1, bytes()])],
    ['a negative id', plain.pack(['call', -1, bytes()])],
    ['a fractional id', plain.pack(['call', 1.5, bytes()])],
    ['a payload that is not bytes', plain.pack(['call', 1, 'text'])],
    ['too many members', plain.pack(Array.from({ length: MEMBERS_MAX + 1 }, () => ['call', 1, bytes()]).flat())],
  ])('refuse %s with a ProtocolError naming the batch', (_what, frame) => {
    expect(() => decodeBatch(frame)).toThrow(ProtocolError);
    try {
      decodeBatch(frame);
    } catch (err) {
      expect((err as ProtocolError).data.operation).toBe('batch');
    }
  });

  it('of replies are told from a reply envelope, which answers the whole batch', () => {
    const frame = encodeBatchReply([
      { id: 3, bytes: encodeOk('a') },
      { id: 4, bytes: encodeError(new Error('b')) },
    ]);
    expect(readBatchReply(frame)?.map(([id]) => id)).toEqual([3, 4]);
    expect(readBatchReply(encodeBatchReply([{ id: 9, bytes: bytes(1) }]))?.map(([id]) => id)).toEqual([9]);
    expect(readBatchReply(encodeError(new ProtocolError("unknown operation 'batch'")))).toBeUndefined();
    expect(readBatchReply(encodeOk([2, 1, bytes()]))).toBeUndefined(); // an envelope, whatever its value
    expect(readBatchReply(bytes())).toBeUndefined(); // "no responders"
  });
});

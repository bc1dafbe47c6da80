// Messages in parts, the serving side's store: whole requests back from their parts, replies fetched part by part,
// and what it refuses (malformed headers, missing parts, another caller's transfer).
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/index.js';
import { PartStore } from '../../src/messaging/part-store.js';
import { PARTS, join, partSize, split } from '../../src/messaging/parts.js';

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);
const ALICE = 'dc.ns.u.alice.be.b1.call';
const BOB = 'dc.ns.u.bob.be.b1.call';

describe('parts', () => {
  it('split and join give the bytes back, parts of at most the size', () => {
    const b = bytes(10_001);
    const parts = split(b, 1000);
    expect(parts).toHaveLength(11);
    expect(parts.every((p) => p.length <= 1000)).toBe(true);
    expect(join(parts)).toEqual(b);
    expect(partSize(1024 * 1024)).toBeLessThan(1024 * 1024);
  });

  it('a request comes back whole with its last part, not before', () => {
    const store = new PartStore();
    const parts = split(bytes(2500), 1000);
    expect(store.receive(ALICE, 't1 0 3', parts[0])).toBeUndefined();
    expect(store.receive(ALICE, 't1 1 3', parts[1])).toBeUndefined();
    expect(store.receive(ALICE, 't1 2 3', parts[2])).toEqual(bytes(2500));
  });

  it('refuses malformed headers, a last part without the others, and a changed count', () => {
    const store = new PartStore();
    for (const bad of ['', 't1', 't1 a 3', 't1 3 3', 't1 -1 3', 't1 0 1 2']) {
      expect(() => store.receive(ALICE, bad, bytes(10)), bad).toThrow(ProtocolError);
    }
    expect(() => store.receive(ALICE, 't2 2 3', bytes(10))).toThrow(/did not all arrive/);
    store.receive(ALICE, 't3 0 3', bytes(10));
    expect(() => store.receive(ALICE, 't3 1 4', bytes(10))).toThrow(ProtocolError);
  });

  it("parts of one caller's transfer do not join another's", () => {
    const store = new PartStore();
    store.receive(ALICE, 't4 0 2', bytes(10));
    expect(() => store.receive(BOB, 't4 1 2', bytes(10))).toThrow(/did not all arrive/);
  });

  it('a reply is offered with its first part and fetched part by part, only by the same subject', () => {
    const store = new PartStore();
    const reply = bytes(2500);
    const { first, headers } = store.offer(ALICE, reply, 1000);
    const [id, count] = headers.get(PARTS).split(' ');
    expect(count).toBe('3');
    expect(() => store.fetch(BOB, `${id} 1`)).toThrow(ProtocolError);
    const rest = [store.fetch(ALICE, `${id} 1`), store.fetch(ALICE, `${id} 2`)];
    expect(join([first, ...rest])).toEqual(reply);
    expect(() => store.fetch(ALICE, `${id} 1`)).toThrow(ProtocolError); // the last fetch ended the transfer
    expect(() => store.fetch(ALICE, `${id} 0`)).toThrow(ProtocolError);
  });
});

// The heap's pins (calls running on an object, by call chain) and the state digests that tell a changed object.
import { describe, expect, it } from 'vitest';
import { changedDigest, digestOf, hasDigest } from '../../src/backend/digest.js';
import { Heap } from '../../src/backend/heap.js';

describe('pins', () => {
  it('counts the calls on an object and tells the chains apart', () => {
    const heap = new Heap({});
    heap.pin('o', 'c1');
    heap.pin('o', 'c1'); // a chain re-entering its object
    heap.pin('o', 'c2');
    expect(heap.pinCount('o')).toBe(3);
    expect(heap.pinnedByOthers('o', 'c1')).toBe(true);
    heap.unpin('o', 'c2');
    expect(heap.pinnedByOthers('o', 'c1')).toBe(false); // only its own calls are left
    expect(heap.pinnedByOthers('o')).toBe(true);
    heap.pin('o'); // no chain: another's for every chain
    expect(heap.pinnedByOthers('o', 'c1')).toBe(true);
    heap.unpin('o');
    heap.unpin('o', 'c1');
    heap.unpin('o', 'c1');
    expect(heap.pinCount('o')).toBe(0);
    expect(heap.pinnedIds()).toEqual([]);
    heap.unpin('o', 'c1'); // one unpin too many changes nothing
    expect(heap.pinCount('o')).toBe(0);
  });
});

describe('state digests', () => {
  it('a small state is compared byte for byte, and its digest is a copy the encoder cannot overwrite', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const digest = digestOf(bytes);
    bytes[0] = 9; // an encoder's shared buffer, reused
    expect(hasDigest(new Uint8Array([1, 2, 3]), digest)).toBe(true);
    expect(hasDigest(new Uint8Array([1, 2, 4]), digest)).toBe(false);
    expect(hasDigest(new Uint8Array([1, 2]), digest)).toBe(false);
    expect(hasDigest(bytes, undefined)).toBe(false);
  });

  it('the digest of a view into a reused Buffer (the encoder, the store) is a copy too', () => {
    const shared = Buffer.from([1, 2, 3, 4, 5, 6]);
    const digest = digestOf(shared.subarray(0, 3));
    shared.fill(0); // the next encoding overwrites the buffer
    expect(hasDigest(new Uint8Array([1, 2, 3]), digest)).toBe(true);
    expect(hasDigest(new Uint8Array([0, 0, 0]), digest)).toBe(false);
  });

  it('a large state is compared by its SHA-1', () => {
    const big = new Uint8Array(1000).fill(5);
    const digest = digestOf(big);
    expect(typeof digest).toBe('string');
    expect(hasDigest(new Uint8Array(1000).fill(5), digest)).toBe(true);
    const changed = new Uint8Array(1000).fill(5);
    changed[999] = 6;
    expect(hasDigest(changed, digest)).toBe(false);
    expect(hasDigest(new Uint8Array([5]), digest)).toBe(false);
  });

  it('a commit gets no digest for an unchanged state, and the new one for a changed state, small or large', () => {
    const small = new Uint8Array([1, 2, 3]);
    expect(changedDigest(new Uint8Array([1, 2, 3]), digestOf(small))).toBeUndefined();
    const next = changedDigest(new Uint8Array([1, 2, 4]), digestOf(small));
    expect(next).toEqual(new Uint8Array([1, 2, 4]));
    const big = new Uint8Array(1000).fill(5);
    expect(changedDigest(new Uint8Array(1000).fill(5), digestOf(big))).toBeUndefined();
    const changed = new Uint8Array(1000).fill(5);
    changed[0] = 6;
    expect(changedDigest(changed, digestOf(big))).toBe(digestOf(changed));
    expect(changedDigest(big, undefined)).toBe(digestOf(big));
  });
});

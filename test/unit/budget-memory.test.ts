import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { ObjectMetadata } from '../../src/index.js';
import { Epochs, HEAP_GROWING_PERCENT, Lease, limitHeapGrowth } from '../../src/internal.js';

// What a backend under a memory budget holds per object it stores but no longer has loaded: the lease's claims
// (fakes for the metadata and the store: a pure unit test of the bookkeeping), and V8's heap growth.

function lease(replicated: Set<string>, claimLimit?: number) {
  const md: ObjectMetadata = { id: 'a', className: 'C', dataset: 'ds', master: 'me', replicas: ['other'] };
  const reads: string[] = [];
  const l = new Lease({
    backendId: 'me',
    store: {
      getObjectEntry: async (id) => {
        reads.push(id);
        return { md: { ...md, id }, revision: 1, stamp: Date.now() };
      },
      updateObject: async () => 2,
      getObject: async (id) => ({ ...md, id }),
    },
    objects: { has: () => true, remove: async () => undefined, ids: () => [] },
    heap: { has: () => true, delete: () => true },
    ownership: () => ({ ownedHere: () => undefined }),
    epochs: new Epochs({ get: () => undefined }),
    replicated: (id) => replicated.has(id),
    claimLimit,
    log: { info: () => undefined, warn: () => undefined },
    onBackgroundError: () => undefined,
  });
  l.renewed(performance.now()); // a heartbeat stored: the lease holds
  return { l, reads };
}

describe("the lease's claims under a budget", () => {
  it('forgets an evicted object without replicas, and re-checks it once if it gains some', async () => {
    const replicated = new Set(['b']);
    const { l, reads } = lease(replicated);
    l.claim('a');
    l.claim('b');
    l.evicted('a', false);
    l.evicted('b', true); // one with replicas keeps its claim: it is served without a re-check
    expect(l.gate('a')).toBeUndefined(); // no replicas: nobody can have been promoted in its place
    expect(l.gate('b')).toBeUndefined();
    replicated.add('a');
    const check = l.gate('a');
    expect(check).toBeInstanceOf(Promise);
    await check;
    expect(reads).toEqual(['a']);
    expect(l.gate('a')).toBeUndefined(); // confirmed again
  });

  it('keeps at most claimLimit claims of replicated objects: the oldest is re-checked once on its next request', async () => {
    const replicated = new Set(['a', 'b', 'c']);
    const { l, reads } = lease(replicated, 2);
    for (const id of ['a', 'b', 'c']) {
      l.claim(id);
      l.evicted(id, true);
    }
    expect(l.gate('b')).toBeUndefined();
    expect(l.gate('c')).toBeUndefined();
    await l.gate('a'); // its claim went when c's came
    expect(reads).toEqual(['a']);
    expect(l.gate('a')).toBeUndefined(); // claimed again, which dropped b's, the oldest then
    await l.gate('b');
    expect(reads).toEqual(['a', 'b']);
  });
});

describe("V8's heap growth", () => {
  it('is limited only for a backend with a budget, and not over a flag the operator gave', () => {
    const set: string[] = [];
    const original = v8.setFlagsFromString;
    v8.setFlagsFromString = (flag: string) => void set.push(flag);
    try {
      expect(limitHeapGrowth(false, [])).toBeUndefined();
      expect(limitHeapGrowth(true, ['--heap-growing-percent=50'])).toBeUndefined();
      expect(limitHeapGrowth(true, [])).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    } finally {
      v8.setFlagsFromString = original;
    }
    expect(set).toEqual([`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
  });
});

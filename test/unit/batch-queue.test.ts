// The queue of requests waiting to go in batches (messaging/batch-queue.ts): per backend, in the order made, each
// run of requests to the same batch subject in batches that fit the server's max_payload; nothing of a request
// that ended before its turn.
import { describe, expect, it } from 'vitest';
import { MEMBERS_MAX } from '../../src/messaging/batch.js';
import { BatchQueue, type Queued } from '../../src/messaging/batch-queue.js';

const call = (user: string, backend: string, op = 'call', space = 'u') => `dc.ns.${space}.${user}.be.${backend}.${op}`;

function queue(options: { maxPayload?: number; ended?: Set<number> } = {}) {
  const sent: [string, number[]][] = [];
  const q = new BatchQueue(
    (to, members: Queued[]) => sent.push([to, members.map((m) => m.id)]),
    () => options.maxPayload,
    (id) => !options.ended?.has(id),
  );
  return { q, sent };
}

describe('the batch queue', () => {
  it('keeps the order of one backend across spaces and users: each run goes as its own batch', () => {
    const { q, sent } = queue();
    q.add(call('admin', 'b1', 'get'), 1, new Uint8Array(1));
    q.add(call('admin', 'b1', 'set'), 2, new Uint8Array(1));
    q.add(call('admin', 'b1', 'flush', 'a'), 3, new Uint8Array(1));
    q.add(call('admin', 'b1'), 4, new Uint8Array(1));
    q.add(call('alice', 'b1'), 5, new Uint8Array(1));
    q.flush();
    expect(sent).toEqual([
      ['dc.ns.u.admin.be.b1.batch', [1, 2]],
      ['dc.ns.a.admin.be.b1.batch', [3]],
      ['dc.ns.u.admin.be.b1.batch', [4]],
      ['dc.ns.u.alice.be.b1.batch', [5]],
    ]);
    expect(q.empty).toBe(true);
  });

  it('gathers the requests to each backend, whatever comes between', () => {
    const { q, sent } = queue();
    for (let id = 1; id <= 6; id++) q.add(call('u1', id % 2 ? 'b1' : 'b2'), id, new Uint8Array(1));
    q.flush();
    expect(sent).toEqual([
      ['dc.ns.u.u1.be.b1.batch', [1, 3, 5]],
      ['dc.ns.u.u1.be.b2.batch', [2, 4, 6]],
    ]);
  });

  it('splits a run at the members a batch may carry and at the bytes the server allows', () => {
    const many = queue();
    for (let id = 0; id < MEMBERS_MAX + 3; id++) many.q.add(call('u1', 'b1'), id, new Uint8Array(1));
    many.q.flush();
    expect(many.sent.map(([, ids]) => ids.length)).toEqual([MEMBERS_MAX, 3]);
    const small = queue({ maxPayload: 64 * 1024 });
    for (let id = 0; id < 40; id++) small.q.add(call('u1', 'b1'), id, new Uint8Array(4000));
    small.q.flush();
    const sizes = small.sent.map(([, ids]) => ids.length);
    expect(sizes.reduce((a, b) => a + b)).toBe(40);
    for (const n of sizes) expect(n * 4000).toBeLessThan(64 * 1024);
  });

  it('leaves out a request that ended before its turn, and tells which are not sent yet', () => {
    const ended = new Set([2]);
    const { q, sent } = queue({ ended });
    for (let id = 1; id <= 3; id++) q.add(call('u1', 'b1'), id, new Uint8Array(1));
    expect([...q.ids()]).toEqual([1, 2, 3]);
    q.flush();
    expect(sent).toEqual([['dc.ns.u.u1.be.b1.batch', [1, 3]]]);
    expect(q.ids().size).toBe(0);
  });
});

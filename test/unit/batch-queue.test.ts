// The queue of requests waiting to go in batches (messaging/batch-queue.ts): per backend, in the order made, each
// run of requests to the same batch subject in batches that fit the server's max_payload; nothing of a request
// that ended before its turn.
import { describe, expect, it } from 'vitest';
import { encodeBatch, MEMBERS_MAX } from '../../src/messaging/batch.js';
import { BatchQueue, type Queued } from '../../src/messaging/batch-queue.js';

const call = (user: string, backend: string, op = 'call', space = 'u') => `dc.ns.${space}.${user}.be.${backend}.${op}`;

function queue(options: { maxPayload?: number; ended?: Set<number> } = {}) {
  const sent: [string, number[]][] = [];
  const frames: Uint8Array[] = [];
  const q = new BatchQueue(
    (to, members: Queued[]) => {
      sent.push([to, members.map((m) => m.id)]);
      frames.push(encodeBatch(members));
    },
    () => options.maxPayload,
    (id) => !options.ended?.has(id),
  );
  return { q, sent, frames };
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
    // where the operation and the id weigh more than the request: the frame still fits what the server allows
    const small = queue({ maxPayload: 4096 });
    const op = 'o'.repeat(64);
    for (let i = 0; i < 200; i++) small.q.add(call('u1', 'b1', op), 2 ** 40 + i, new Uint8Array(8));
    small.q.flush();
    expect(small.sent.reduce((n, [, ids]) => n + ids.length, 0)).toBe(200);
    expect(small.sent.length).toBeGreaterThan(1);
    for (const frame of small.frames) expect(frame.length).toBeLessThanOrEqual(4096);
  });

  it('tells backends apart by position, whatever the namespace and users are named', () => {
    const { q, sent } = queue();
    q.add('dc.be.u.alice.be.b1.call', 1, new Uint8Array(1));
    q.add('dc.be.u.be.be.b1.call', 2, new Uint8Array(1));
    q.add('dc.be.u.alice.be.b1.call', 3, new Uint8Array(1));
    q.flush();
    expect(sent).toEqual([
      ['dc.be.u.alice.be.b1.batch', [1]],
      ['dc.be.u.be.be.b1.batch', [2]],
      ['dc.be.u.alice.be.b1.batch', [3]],
    ]);
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

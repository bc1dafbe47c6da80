// Regressions found by review: moves racing with writes and with other moves, replicas and moves together,
// versions after moves, read-only checks under concurrency, stale hints in recursive moves, half-failed moves.
import { describe, expect, it } from 'vitest';
import { Counter, Holder, Person } from '../models/index.js';
import { useClient } from '../setup/helpers.js';

const shared = useClient();

describe('moves', () => {
  it('moving an object to the backend holding its replica keeps it (the replica becomes the object)', async () => {
    const c = new Counter();
    await c.makePersistent({ backendId: 'backend-1' });
    await c.increment();
    await c.newReplica('backend-2');
    await c.move('backend-2');
    expect(await c.increment()).toBe(2);
    expect((await shared.metadata(c.id))!.master).toBe('backend-2');
    await c.move('backend-1'); // and back: no stale replica list follows it
    await c.move('backend-2');
    expect(await c.increment()).toBe(3);
  });

  it('acknowledged writes during a move are never lost', async () => {
    const c = new Counter();
    await c.makePersistent({ backendId: 'backend-1' });
    let acked = 0;
    let stop = false;
    const workers = Array.from({ length: 20 }, async () => {
      while (!stop) {
        await c.increment();
        acked++;
      }
    });
    await new Promise((r) => setTimeout(r, 50));
    await c.move('backend-2');
    await new Promise((r) => setTimeout(r, 50));
    stop = true;
    await Promise.all(workers);
    expect(await c.dcGet('count')).toBe(acked);
  });

  it('two concurrent moves leave one live copy', async () => {
    const c = new Counter();
    await c.makePersistent({ backendId: 'backend-1' });
    const before = { b2: await shared.stored('backend-2'), b3: await shared.stored('backend-3') };
    await Promise.all([c.move('backend-2'), c.move('backend-3')]);
    const owner = (await shared.metadata(c.id))!.master;
    const after = { b2: await shared.stored('backend-2'), b3: await shared.stored('backend-3') };
    expect(after.b2 - before.b2 + after.b3 - before.b3).toBe(1);
    expect(await c.increment()).toBe(1);
    expect(['backend-2', 'backend-3']).toContain(owner);
  });

  it('a recursive move follows referents whose hints went stale', async () => {
    const a = new Person('a', 1);
    const b = new Person('b', 2);
    await a.makePersistent({ backendId: 'backend-1' });
    await b.makePersistent({ backendId: 'backend-2' });
    await a.dcSet('spouse', b); // backend-1 holds a proxy of b hinted backend-2
    await b.move('backend-3'); // now stale there
    await a.move('backend-1', { recursive: true }); // pull everything to backend-1
    expect((await shared.metadata(b.id))!.master).toBe('backend-1');
  });

  it('a recursive move that fails halfway leaves every object with one owner', async () => {
    const a = new Holder();
    const b = new Holder();
    a.ref = b as unknown as Counter;
    await a.makePersistent({ backendId: 'backend-1' });
    for (let i = 0; i < 3; i++) await b.grow('x'.repeat(400_000)); // b alone is above max_payload
    const before = await shared.stored('backend-2');
    await expect(a.move('backend-2', { recursive: true })).rejects.toThrow(/max_payload/);
    expect((await shared.metadata(a.id))!.master).toBe('backend-1'); // a went first, and was taken back
    expect((await shared.metadata(b.id))!.master).toBe('backend-1');
    expect(await shared.stored('backend-2')).toBe(before); // no copy left on the target
    await a.dcSet('count', 5);
    expect(await a.peek()).toBe(5);
  }, 60_000);
});

describe('replicas with moves and writes', () => {
  it('a recursive move from a backend that holds a replica moves the master, not the replica', async () => {
    const cell = new Counter();
    await cell.makePersistent({ backendId: 'backend-1' });
    await cell.increment();
    await cell.newReplica('backend-2');
    const box = new Holder();
    box.ref = cell;
    await box.makePersistent({ backendId: 'backend-2' }); // box's backend holds cell's replica
    const onB1 = await shared.stored('backend-1');
    await box.move('backend-3', { recursive: true });
    expect((await shared.metadata(cell.id))!.master).toBe('backend-3');
    expect(await shared.stored('backend-1')).toBe(onB1 - 1); // the master's copy went, none stayed behind
    expect(await cell.increment()).toBe(2);
    const stay = new Counter();
    await stay.makePersistent({ backendId: 'backend-1' });
    await stay.newReplica('backend-2');
    const box2 = new Holder();
    box2.ref = stay;
    await box2.makePersistent({ backendId: 'backend-2' });
    await box2.move('backend-3', { recursive: true, remotes: false });
    expect((await shared.metadata(stay.id))!.master).toBe('backend-1'); // mastered elsewhere: stays
  });

  it("a replica's fields cannot be written where it is held, and sync() works on it", async () => {
    const cell = new Counter();
    await cell.makePersistent({ backendId: 'backend-1' });
    await cell.newReplica('backend-2');
    const box = new Holder();
    box.ref = cell;
    await box.makePersistent({ backendId: 'backend-2' }); // box's backend resolves cell to its replica
    await expect(box.writeRef(99)).rejects.toThrow(/Counter.count is a replica here: only its master changes it/);
    const reads = await Promise.all(Array.from({ length: 10 }, () => cell.dcGet('count')));
    expect(reads.every((r) => r === 0)).toBe(true);
    expect(await box.syncRef()).toEqual(['backend-2']);
  });

  it('hundreds of moves in flight, of distinct objects', async () => {
    const counters = Array.from({ length: 200 }, () => new Counter());
    await Promise.all(counters.map((c) => c.makePersistent({ backendId: 'backend-1' })));
    await Promise.all(counters.map((c, i) => c.move(i % 2 ? 'backend-2' : 'backend-3')));
    const masters = new Map((await shared.admin.listObjects({ limit: 1_000_000 })).map((o) => [o.id, o.master]));
    expect(counters.every((c, i) => masters.get(c.id) === (i % 2 ? 'backend-2' : 'backend-3'))).toBe(true);
    expect(await Promise.all(counters.map((c) => c.increment()))).toEqual(counters.map(() => 1));
  });
});

describe('versions and read-only methods', () => {
  it('a consolidated version still resolves after the original moves', async () => {
    const o = new Counter();
    await o.makePersistent({ backendId: 'backend-1' });
    const v = await o.newVersion();
    await v.dcSet('count', 7);
    await v.consolidateVersion();
    await o.move('backend-2');
    expect(await v.dcGet('count')).toBe(7);
  });

  it("a consolidated version's replicas stop serving", async () => {
    const o = new Counter();
    await o.makePersistent({ backendId: 'backend-1' });
    const v = await o.newVersion();
    await v.newReplica('backend-3');
    await v.consolidateVersion();
    await v.dcSet('count', 42);
    const reads = await Promise.all(Array.from({ length: 20 }, () => v.dcGet('count')));
    expect(reads.every((x) => x === 42)).toBe(true);
  });

  it('a read-only method keeps working after a referent moved away', async () => {
    const h = new Holder();
    const ref = new Counter();
    h.ref = ref;
    await h.makePersistent({ backendId: 'backend-1' });
    expect(await h.peek()).toBe(0);
    await ref.move('backend-2'); // backend-1's instance of it now hints backend-2
    for (let i = 0; i < 3; i++) expect(await h.peek()).toBe(0);
  });

  it('a read-only call during a write neither fails nor undoes the write', async () => {
    const h = new Holder();
    await h.makePersistent({ backendId: 'backend-1' });
    const write = h.slowWrite();
    await new Promise((r) => setTimeout(r, 50));
    expect([1]).toContain(await h.peek());
    expect(await write).toBe(2);
    expect(await h.dcGet('count')).toBe(2);
  });
});

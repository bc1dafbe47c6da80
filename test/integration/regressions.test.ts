// Regressions found by review: moves racing with writes and with other moves, replicas and moves together,
// versions after moves, read-only checks under concurrency, stale hints in recursive moves, half-failed moves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { Counter, Holder, Person } from '../models/index.js';
import { testClient } from '../setup/helpers.js';

let client: Client;
beforeAll(async () => {
  client = await testClient();
});
afterAll(() => client.stop());

const md = async (id: string) => (await client.listObjects({ limit: 1_000_000 })).find((o) => o.id === id);
const stored = async (backend: string) => (await client.backend(backend).stats()).stored;

describe('moves', () => {
  it('moving an object to the backend holding its replica keeps it (the replica becomes the object)', async () => {
    const c = new Counter();
    await c.makePersistent({ backendId: 'backend-1' });
    await c.increment();
    await c.newReplica('backend-2');
    await c.move('backend-2');
    expect(await c.increment()).toBe(2);
    expect((await md(c.id))!.master).toBe('backend-2');
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
    const before = { b2: await stored('backend-2'), b3: await stored('backend-3') };
    await Promise.all([c.move('backend-2'), c.move('backend-3')]);
    const owner = (await md(c.id))!.master;
    const after = { b2: await stored('backend-2'), b3: await stored('backend-3') };
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
    expect((await md(b.id))!.master).toBe('backend-1');
  });

  it('a recursive move that fails halfway leaves every object with one owner', async () => {
    const a = new Holder();
    const b = new Holder();
    a.ref = b as unknown as Counter;
    await a.makePersistent({ backendId: 'backend-1' });
    for (let i = 0; i < 3; i++) await b.grow('x'.repeat(400_000)); // b alone is above max_payload
    await expect(a.move('backend-2', { recursive: true })).rejects.toThrow(/max_payload/);
    const owner = (await md(a.id))!.master;
    expect(await a.peek()).toBe(0);
    await a.dcSet('count', 5);
    expect(await a.peek()).toBe(5);
    expect(['backend-1', 'backend-2']).toContain(owner);
  }, 60_000);
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

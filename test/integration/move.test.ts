// move(backendId, { recursive, remotes }): graphs over three backends, cycles, long chains, stale proxies, moves
// racing with writes and with other moves, moves that fail halfway.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendNotFoundError, Client, DevCluster, MoveUnconfirmedError, TimeoutError } from '../../src/index.js';
import { Chain, Counter, Holder, Person, Prober, Strongbox } from '../models/index.js';
import { makeTempDir, removeDir, useClient, waitFor } from '../setup/helpers.js';
import { otherProcess } from '../setup/other-process.js';
import { TEST_MODELS } from '../setup/models.js';
import { type WorkerBackend, workerBackend } from '../setup/worker-backend.js';

const shared = useClient();

const ownerOf = async (p: { id: string }) => (await shared.metadata(p.id))?.master;

/** a (backend-1) → b (backend-2) → c (backend-3) → a, plus a local friend of a on backend-1. */
async function triangle() {
  const a = new Person('a', 1);
  const b = new Person('b', 2);
  const c = new Person('c', 3);
  const aFriend = new Person('a-friend', 4);
  a.friends = [aFriend];
  await a.makePersistent({ backendId: 'backend-1' });
  await b.makePersistent({ backendId: 'backend-2' });
  await c.makePersistent({ backendId: 'backend-3' });
  await a.dcSet('spouse', b);
  await b.dcSet('spouse', c);
  await c.dcSet('spouse', a);
  return { a, b, c, aFriend };
}

describe('move', () => {
  it('non-recursive: the object alone, state backend to backend, no copy left behind', async () => {
    const { a, aFriend } = await triangle();
    const before = await shared.stored('backend-1');
    await a.move('backend-2');
    expect(a.backendId).toBe('backend-2');
    expect(await a.whereAmI()).toBe('backend-2');
    expect(await a.dcGet('name')).toBe('a');
    expect(await aFriend.whereAmI()).toBe('backend-1');
    expect(await ownerOf(a)).toBe('backend-2');
    expect(await shared.stored('backend-1')).toBe(before - 1);
    expect(await a.friendNames()).toEqual(['a-friend']); // its references still work, across backends
  });

  it('recursive with remotes: every reachable object, over three backends, cycles included', async () => {
    const { a, b, c, aFriend } = await triangle();
    await a.move('backend-3', { recursive: true });
    for (const p of [a, b, c, aFriend]) {
      expect(await p.whereAmI()).toBe('backend-3');
      expect(await ownerOf(p)).toBe('backend-3');
    }
    expect(await a.spouseName()).toBe('b');
    expect(await c.spouseName()).toBe('a');
  });

  it('recursive without remotes: only referents that lived with the object', async () => {
    const { a, b, c, aFriend } = await triangle();
    await a.move('backend-2', { recursive: true, remotes: false });
    expect(await a.whereAmI()).toBe('backend-2');
    expect(await aFriend.whereAmI()).toBe('backend-2'); // lived with a on backend-1
    expect(await b.whereAmI()).toBe('backend-2'); // was there already
    expect(await c.whereAmI()).toBe('backend-3'); // remote: stays
  });

  it('to the current owner: a no-op for the object, but recursion pulls referents in', async () => {
    const { a, b, c } = await triangle();
    await a.move('backend-1');
    expect(await ownerOf(a)).toBe('backend-1');
    expect(await ownerOf(b)).toBe('backend-2');
    await a.move('backend-1', { recursive: true });
    expect(await ownerOf(b)).toBe('backend-1');
    expect(await ownerOf(c)).toBe('backend-1');
  });

  it('a long chain moves recursively', async () => {
    let head: Chain | null = null;
    for (let i = 1; i <= 300; i++) head = new Chain(i, head);
    await head!.makePersistent({ backendId: 'backend-1' });
    await head!.move('backend-3', { recursive: true });
    expect(await head!.sum()).toBe(45150);
    expect(await ownerOf((await head!.dcGet('next'))!)).toBe('backend-3');
  });

  it('a graph bigger than one NATS message is persisted, moved and replicated in several batches', async () => {
    let head: Person | null = null;
    const filler = 'x'.repeat(600);
    for (let i = 0; i < 2500; i++) {
      const p: Person = new Person(`${i}${filler}`, i);
      if (head) p.friends = [head];
      head = p;
    }
    await head!.makePersistent({ backendId: 'backend-1' }); // ~1.6 MB of state: over max_payload (1 MB)
    await head!.move('backend-2', { recursive: true });
    let tail = head!;
    for (let i = 0; i < 3; i++) tail = (await tail.dcGet('friends'))[0];
    expect(await ownerOf(tail)).toBe('backend-2');
    expect((await tail.dcGet('name')).startsWith('2496')).toBe(true);
    await head!.newReplica('backend-3', { recursive: true });
    expect((await shared.admin.listObjects({ limit: 1_000_000 })).find((o) => o.id === tail.id)!.replicas).toEqual([
      'backend-3',
    ]);
  });

  it('an unregistered object is persisted there; makePersistent({ backendId }) moves a registered one', async () => {
    const p = new Person('new', 1);
    await p.move('backend-3');
    expect(p.isRegistered).toBe(true);
    expect(p.backendId).toBe('backend-3');
    await p.makePersistent({ backendId: 'backend-1' });
    expect(await p.whereAmI()).toBe('backend-1');
    await expect(p.move('backend-9')).rejects.toBeInstanceOf(BackendNotFoundError);
  });
});

describe('moves racing with writes and with other moves', () => {
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
    await waitFor(() => acked, { until: (n) => n >= 20, what: 'writes before the move' });
    await c.move('backend-2');
    const atMove = acked;
    await waitFor(() => acked, { until: (n) => n >= atMove + 20, what: 'writes after the move' });
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

  it('hundreds of moves in flight, of distinct objects', async () => {
    const counters = Array.from({ length: 200 }, () => new Counter());
    await Promise.all(counters.map((c) => c.makePersistent({ backendId: 'backend-1' })));
    await Promise.all(counters.map((c, i) => c.move(i % 2 ? 'backend-2' : 'backend-3')));
    const masters = new Map((await shared.admin.listObjects({ limit: 1_000_000 })).map((o) => [o.id, o.master]));
    expect(counters.every((c, i) => masters.get(c.id) === (i % 2 ? 'backend-2' : 'backend-3'))).toBe(true);
    expect(await Promise.all(counters.map((c) => c.increment()))).toEqual(counters.map(() => 1));
  });

  it('a method that moves its own object does not wait for itself', async () => {
    const p = new Prober();
    await p.makePersistent({ backendId: 'backend-1' });
    const inner = await p.moveSelf('backend-2');
    expect((await shared.metadata(p.id))!.master).toBe('backend-2');
    expect(inner).toBeLessThan(2000);
  });
});

describe('stale references', () => {
  it('a proxy in another process repairs itself: one call, and its backendId reads the new owner', async () => {
    const p = new Person('Stale', 1);
    await p.makePersistent({ backendId: 'backend-1' });
    const other = await otherProcess(shared.client.exportContext(), p.id);
    try {
      expect(await other.ask('backendId')).toBe('backend-1');
      await p.move('backend-2');
      expect(await other.ask('backendId')).toBe('backend-1'); // stale until used
      expect(await other.ask('whereAmI')).toBe('backend-2'); // redirected once, then served
      expect(await other.ask('backendId')).toBe('backend-2');
    } finally {
      await other.close();
    }
  });

  it('proxies held inside objects on other backends repair themselves', async () => {
    const target = new Person('Target', 1);
    const holder = new Person('Holder', 2);
    await target.makePersistent({ backendId: 'backend-1' });
    await holder.makePersistent({ backendId: 'backend-3' });
    await holder.dcSet('spouse', target);
    expect(await holder.spouseName()).toBe('Target'); // backend-3 now has a proxy to backend-1
    await target.move('backend-2');
    await target.dcSet('name', 'Moved');
    expect(await holder.spouseName()).toBe('Moved'); // backend-3's proxy followed it
  });

  it('sync() refreshes the owner explicitly', async () => {
    const p = new Person('Synced', 1);
    await p.makePersistent({ backendId: 'backend-1' });
    const other = await otherProcess(shared.client.exportContext(), p.id);
    try {
      await p.move('backend-3');
      expect(await other.ask('backendId')).toBe('backend-1');
      await other.ask('sync');
      expect(await other.ask('backendId')).toBe('backend-3');
    } finally {
      await other.close();
    }
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
});

describe('moves that fail halfway', () => {
  it('a recursive move that fails halfway leaves every object with one owner', async () => {
    // a ships first and is received; b, alone in the next request (above max_payload, in parts), is refused by the
    // target (its state hook throws there): the move fails halfway and a is taken back
    const a = new Holder();
    const b = new Strongbox('x'.repeat(1_200_000));
    await b.makePersistent({ backendId: 'backend-1' }); // (first: a state hook's object persisted as a referent fails)
    a.ref = b as unknown as Counter;
    await a.makePersistent({ backendId: 'backend-1' });
    const before = await shared.stored('backend-2');
    await expect(a.move('backend-2', { recursive: true })).rejects.toThrow(/refuses backend-2/);
    expect((await shared.metadata(a.id))!.master).toBe('backend-1'); // a went first, and was taken back
    expect((await shared.metadata(b.id))!.master).toBe('backend-1');
    expect(await shared.stored('backend-2')).toBe(before); // no copy left on the target
    expect(await b.size()).toBe(1_200_000);
    await a.dcSet('count', 5);
    expect(await a.peek()).toBe(5);
  });

  describe('backends of their own: a receive that outlasts its source, a source that never confirms', () => {
    // Backends of their own, in worker threads, on a nats-server of their own (whose generated users grant this
    // namespace): backend-slow, whose requests time out after SOURCE_TIMEOUT_MS (and which, as a target, waits half
    // that for a source's word that its note is on disk); backend-1, which holds its first receive until the source,
    // timed out, asks for the objects back: the receive outlasts the timeout on any machine; backend-mute, a source
    // that never says its note is on disk.
    const namespace = 'slow-move';
    const SOURCE_TIMEOUT_MS = 2_000; // above a retire's round trip on a loaded machine: the take-back gets its answer
    let dir: string | undefined;
    let cluster: DevCluster | undefined;
    let admin: Client | undefined;
    const backends: WorkerBackend[] = [];
    const slow = {
      stored: async (id: string) => (await admin!.backend(id).stats()).stored,
      metadata: async (id: string) => (await admin!.listObjects({ limit: 100_000 })).find((o) => o.id === id),
    };
    beforeAll(async () => {
      cluster = await DevCluster.start({ models: TEST_MODELS, backends: 0, namespace });
      const nats = cluster.connectOptionsFor('backend'); // a backend identity
      dir = makeTempDir('slow-move');
      const started = await Promise.allSettled([
        workerBackend({
          nats,
          namespace,
          id: 'backend-slow',
          datasets: 'open', // a cluster without backends of its own made no default dataset to grant
          storage: path.join(dir, 'backend-slow'),
          timeoutMs: SOURCE_TIMEOUT_MS,
        }),
        workerBackend({
          nats,
          namespace,
          id: 'backend-1',
          datasets: 'open',
          storage: path.join(dir, 'backend-1'),
          holdFirstReceive: true,
        }),
        workerBackend({
          nats,
          namespace,
          id: 'backend-mute',
          datasets: 'open',
          storage: path.join(dir, 'backend-mute'),
          muteNoted: true,
        }),
      ]);
      for (const s of started) if (s.status === 'fulfilled') backends.push(s.value);
      for (const s of started) if (s.status === 'rejected') throw s.reason;
      admin = await new Client({ ...cluster.connectOptions, namespace }).start();
    });
    afterAll(async () => {
      await admin?.stop();
      await Promise.allSettled(backends.map((b) => b.stop()));
      await cluster?.stop();
      removeDir(dir);
    });

    it('a move whose receive times out at the source but completes at the target ends with one owner', async () => {
      const root = new Person('root', 0);
      root.friends = Array.from({ length: 3000 }, (_, i) => new Person(`f${i}`, i));
      await root.makePersistent({ backendId: 'backend-slow' });
      const b1Before = await slow.stored('backend-1');
      // the source answers once it has taken the objects back: wait for that answer, past the client's usual timeout
      const err = await admin!
        .run({ timeoutMs: 180_000 }, () => root.move('backend-1', { recursive: true }))
        .catch((e) => e);
      expect(err).toBeInstanceOf(TimeoutError); // the source's receive request
      expect(err.data).toMatchObject({ operation: expect.stringMatching(/receive/), timeoutMs: SOURCE_TIMEOUT_MS });
      const slowStored = await slow.stored('backend-slow');
      const b1Gained = (await slow.stored('backend-1')) - b1Before;
      const meta = await slow.metadata(root.id);
      expect(slowStored + b1Gained).toBe(3001);
      expect(meta?.master).toBe(slowStored === 3001 ? 'backend-slow' : 'backend-1');
    }, 240_000);

    it('a move whose source never says its note is on disk fails, and the objects stay with the source', async () => {
      const p = new Person('kept', 41);
      const friend = new Person('kept-friend', 1);
      p.friends = [friend];
      await p.makePersistent({ backendId: 'backend-mute' });
      const [muteBefore, slowBefore] = [await slow.stored('backend-mute'), await slow.stored('backend-slow')];
      const err = await p.move('backend-slow', { recursive: true }).catch((e) => e);
      expect(err).toBeInstanceOf(MoveUnconfirmedError);
      expect(err.data).toMatchObject({ waitedMs: SOURCE_TIMEOUT_MS / 2 });
      expect([...err.data.objectIds].sort()).toEqual([p.id, friend.id].sort());
      // nothing named the target, which kept no record; the source serves them as before
      expect((await slow.metadata(p.id))?.master).toBe('backend-mute');
      expect(await slow.stored('backend-slow')).toBe(slowBefore);
      expect(await slow.stored('backend-mute')).toBe(muteBefore);
      expect(await p.whereAmI()).toBe('backend-mute');
      expect(await p.addYear()).toBe(42);
      expect(await p.friendNames()).toEqual(['kept-friend']);
    }, 60_000);
  });
});

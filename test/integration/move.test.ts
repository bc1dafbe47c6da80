// move(backendId, { recursive, remotes }): graphs over three backends, cycles, long chains, stale proxies.
import { describe, expect, it } from 'vitest';
import { BackendNotFoundError } from '../../src/index.js';
import { Chain, Person } from '../models/index.js';
import { useClient } from '../setup/helpers.js';
import { otherProcess } from '../setup/other-process.js';

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
});

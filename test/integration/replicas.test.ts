// newReplica: copies that serve reads and read-only methods, kept in step by the master before it acknowledges;
// replicas in moves, and writes where a replica is held.
import { describe, expect, it } from 'vitest';
import { DataClayError, ObjectIsMasterError } from '../../src/index.js';
import { Counter, Holder, Prober } from '../models/index.js';
import { useClient } from '../setup/helpers.js';
import { otherProcess } from '../setup/other-process.js';

const shared = useClient();

describe('replicas', () => {
  it('a replica on the backend asked for serves reads and read-only methods', async () => {
    const c = new Counter();
    await c.makePersistent({ backendId: 'backend-1' });
    await c.newReplica('backend-2');
    expect(c.replicaBackendIds).toEqual(['backend-2']);
    expect((await shared.metadata(c.id))!.replicas).toEqual(['backend-2']);
    const served = new Set<string>();
    for (let i = 0; i < 40; i++) served.add((await c.servedBy())[0]);
    expect([...served].sort()).toEqual(['backend-1', 'backend-2']);
  });

  it('a write reaches every replica before it is acknowledged: reads after it see it on any copy', async () => {
    const c = new Counter();
    await c.makePersistent({ backendId: 'backend-1' });
    await c.newReplica('backend-2');
    await c.newReplica('backend-3');
    for (let round = 1; round <= 5; round++) {
      await c.increment(); // a write: runs on the master, which updates both replicas first
      const reads = await Promise.all(Array.from({ length: 12 }, () => c.servedBy()));
      expect(new Set(reads.map(([backend]) => backend)).size).toBeGreaterThan(1);
      expect(reads.every(([, count]) => count === round)).toBe(true);
    }
    await c.dcSet('count', 100);
    const values = await Promise.all(Array.from({ length: 12 }, () => c.dcGet('count')));
    expect(values.every((v) => v === 100)).toBe(true);
  });

  it('without a backend named, a random one without a copy; none left: nothing happens', async () => {
    const c = new Counter();
    await c.makePersistent({ backendId: 'backend-3' });
    await c.newReplica();
    await c.newReplica();
    expect([...c.replicaBackendIds].sort()).toEqual(['backend-1', 'backend-2']);
    await c.newReplica(); // every backend has a copy
    expect(c.replicaBackendIds).toHaveLength(2);
    await expect(c.newReplica('backend-3')).rejects.toThrow(/is the master/);
  });

  it('recursive: what the object references is replicated too', async () => {
    const { Person } = await import('../models/index.js');
    const holder = new Person('Holder', 1);
    holder.friends = [new Person('Friend', 2)];
    await holder.makePersistent({ backendId: 'backend-2' });
    await holder.newReplica('backend-3', { recursive: true });
    const friend = (await holder.dcGet('friends'))[0];
    expect((await shared.metadata(holder.id))!.replicas).toEqual(['backend-3']);
    expect((await shared.metadata(friend.id))!.replicas).toEqual(['backend-3']);
  });

  it('a read-only method that writes fails, and the object keeps its state', async () => {
    const c = new Counter();
    await c.makePersistent({ backendId: 'backend-1' });
    await c.increment();
    await c.newReplica('backend-2');
    for (let i = 0; i < 6; i++) {
      const err = await c.sneakyWrite().catch((e) => e);
      expect(err).toBeInstanceOf(DataClayError);
      // on the master the change is undone; on the replica the field cannot even be assigned
      expect(err.message).toMatch(
        /read-only method Counter.sneakyWrite changed its object|Counter.count is a replica here/,
      );
    }
    const reads = await Promise.all(Array.from({ length: 10 }, () => c.servedBy()));
    expect(reads.every(([, count]) => count === 1)).toBe(true);
  });

  it('sync() refreshes replicas from the metadata; on the master itself it throws ObjectIsMasterError', async () => {
    const { Person } = await import('../models/index.js');
    const p = new Person('Replicated', 1);
    await p.makePersistent({ backendId: 'backend-2' });
    const other = await otherProcess(shared.client.exportContext(), p.id);
    try {
      await p.newReplica('backend-3');
      expect(await other.ask('replicas')).toEqual([]);
      await other.ask('sync');
      expect(await other.ask('replicas')).toEqual(['backend-3']);
    } finally {
      await other.close();
    }
    const c = new Counter();
    await c.makePersistent({ backendId: 'backend-2' });
    await expect(c.syncSelf()).rejects.toBeInstanceOf(ObjectIsMasterError);
  });

  it('moving a replicated object drops its replicas', async () => {
    const c = new Counter();
    await c.makePersistent({ backendId: 'backend-1' });
    await c.newReplica('backend-2');
    await c.move('backend-3');
    expect((await shared.metadata(c.id))!.replicas).toEqual([]);
    await c.increment();
    await c.sync();
    expect(c.replicaBackendIds).toEqual([]);
    expect((await c.servedBy())[0]).toBe('backend-3');
  });
});

describe('replicas and moves', () => {
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
});

describe('writes where a replica is held', () => {
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

  it('dcSet and dcUpdate on a replica, from an active method, go to the master', async () => {
    const c = new Counter();
    await c.makePersistent({ backendId: 'backend-2' });
    const p = new Prober();
    p.ref = c;
    await p.makePersistent({ backendId: 'backend-1' });
    await c.newReplica('backend-1');
    const r1 = await p.dcSetRef(7);
    expect(r1).toBe('ok');
    expect((await c.dcClone()).count).toBe(7);
    const src = new Counter();
    src.count = 42;
    await src.makePersistent({ backendId: 'backend-3' });
    const r2 = await p.dcUpdateRef(src);
    const reads = new Set<number>();
    for (let i = 0; i < 20; i++) reads.add(await c.dcGet('count'));
    expect(r2.startsWith('ok')).toBe(true);
    expect(await c.dcGet('count')).toBe(42);
  });
});

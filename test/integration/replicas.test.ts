// newReplica: copies that serve reads and read-only methods, kept in step by the master before it acknowledges.
import { describe, expect, it } from 'vitest';
import { DataClayError, ObjectIsMasterError } from '../../src/index.js';
import { Counter } from '../models/index.js';
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

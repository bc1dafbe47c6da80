import { describe, expect, it } from 'vitest';
import { Counter, Prober, Vault } from '../models/index.js';
import { Employee } from '../../samples/quickstart/model.js';
import { useClient } from '../setup/helpers.js';

const shared = useClient();

describe('state hooks, versions and replicas where they are held', () => {
  it('a state-hook object keeps its replica through a write', async () => {
    const v = new Vault('abc');
    await v.makePersistent({ backendId: 'backend-1' });
    await v.newReplica('backend-2');
    expect((await shared.metadata(v.id))!.replicas).toEqual(['backend-2']);
    await v.dcSet('secret', 'xyz');
    expect((await shared.metadata(v.id))!.replicas).toEqual(['backend-2']);
  });

  it('a state-hook object moves to the backend holding its replica', async () => {
    const v = new Vault('abc');
    await v.makePersistent({ backendId: 'backend-1' });
    await v.newReplica('backend-2');
    await v.move('backend-2');
    expect((await shared.metadata(v.id))!.master).toBe('backend-2');
    expect((await v.reveal())[0]).toBe('abc');
  });

  it("consolidating a version on the original's backend: the version id then names the original", async () => {
    const e = new Employee('Same', 1000);
    await e.makePersistent({ backendId: 'backend-1' });
    const before = await shared.stored('backend-1');
    const v = await e.newVersion();
    expect(v.backendId).toBe('backend-1');
    await v.dcSet('salary', 2000);
    await v.consolidateVersion();
    expect(await e.dcGet('salary')).toBe(2000);
    await e.dcSet('salary', 5000);
    expect(await v.dcGet('salary')).toBe(5000);
    expect(await shared.stored('backend-1')).toBe(before);
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

  it('a method that moves its own object does not wait for itself', async () => {
    const p = new Prober();
    await p.makePersistent({ backendId: 'backend-1' });
    const inner = await p.moveSelf('backend-2');
    expect((await shared.metadata(p.id))!.master).toBe('backend-2');
    expect(inner).toBeLessThan(2000);
  }, 60_000);
});

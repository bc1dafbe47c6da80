import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, inject } from 'vitest';
import { Person } from '../models/index.js';
import { Employee } from '../../samples/quickstart/model.js';
import { useClient } from '../setup/helpers.js';
import { ObjectStore } from '../../src/internal.js';

const shared = useClient();

describe('retiring copies: versions, tombstones, timed-out moves', () => {
  it("a replica of a version held by the original's master stops serving the version after consolidation", async () => {
    const e = new Employee('Rep', 1000);
    await e.makePersistent({ backendId: 'backend-1' });
    const v = await e.newVersion('backend-2');
    await v.dcSet('salary', 2000);
    await v.newReplica('backend-1');
    await v.consolidateVersion();
    await e.dcSet('salary', 5000);
    const seen = new Set<number>();
    for (let i = 0; i < 10; i++) seen.add(await v.dcGet('salary'));
    expect([...seen]).toEqual([5000]);
  });

  it('a record removed again stays hidden while the second remove is pending', async () => {
    const store = ObjectStore.open(mkdtempSync(path.join(tmpdir(), 'r4-store-')));
    const id = 'x';
    await store.put(id, new Uint8Array([1]));
    const r1 = store.remove(id);
    const p = store.put(id, new Uint8Array([2]));
    await new Promise((r) => setImmediate(r));
    const r2 = store.remove(id);
    await r1;
    const visible = store.has(id);
    await Promise.all([p, r2]);
    await store.close();
    expect(visible).toBe(false);
  });

  it('a move whose receive times out at the source but completes at the target ends with one owner', async () => {
    const nats = inject('natsBackend'); // a backend identity
    const storage = mkdtempSync(path.join(tmpdir(), 'r4-backend-'));
    const worker = new Worker(new URL('./slow-backend-worker.js', import.meta.url), {
      workerData: { nats, storage, id: 'backend-slow', timeoutMs: 20 },
    });
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    try {
      const root = new Person('root', 0);
      root.friends = Array.from({ length: 3000 }, (_, i) => new Person(`f${i}`, i));
      await root.makePersistent({ backendId: 'backend-slow' });
      const b1Before = await shared.stored('backend-1');
      await root.move('backend-1', { recursive: true }).catch(() => undefined); // times out at the source (20 ms)
      await new Promise((r) => setTimeout(r, 3000)); // let the target finish
      const slowStored = await shared.stored('backend-slow');
      const b1Gained = (await shared.stored('backend-1')) - b1Before;
      const meta = await shared.metadata(root.id);
      expect(slowStored + b1Gained).toBe(3001);
      expect(meta?.master).toBe(slowStored === 3001 ? 'backend-slow' : 'backend-1');
    } finally {
      worker.postMessage('stop');
      await new Promise((r) => worker.once('message', r));
      await worker.terminate();
    }
  }, 60_000);
});

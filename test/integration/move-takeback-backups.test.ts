// Review (integration of the move's take-back, moves.ts reclaim, with failover's epochs): a move that fails halfway
// hands the objects already received back to the source. The target had given them a new epoch and sent their
// backups copies at it; the source takes them back at its old epoch. Its next write must still be served.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, DevCluster } from '../../src/index.js';
import { type Counter, Holder, Strongbox } from '../models/index.js';
import { natsProfile } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

const NS = 'move-takeback-backups';
let cluster: DevCluster;
let admin: Client;

beforeAll(async () => {
  cluster = await DevCluster.start({ models: TEST_MODELS, backends: 3, namespace: NS, backups: 1, ...natsProfile() });
  admin = await new Client({ ...cluster.connectOptions, namespace: NS, timeoutMs: 10_000 }).start();
}, 120_000);
afterAll(async () => {
  await admin?.stop();
  await cluster?.stop();
});

it('an object taken back from a move that failed halfway keeps taking writes at its source', async () => {
  const b = new Strongbox('x'.repeat(1_200_000)); // refused by backend-2 (its state hook throws there)
  await b.makePersistent({ backendId: 'backend-1' });
  // a holder whose backup is on backend-3, not on the target: placement is random, so a few are made
  let a: Holder | undefined;
  for (let i = 0; i < 40 && !a; i++) {
    const h = new Holder();
    h.ref = b as unknown as Counter;
    await h.makePersistent({ backendId: 'backend-1' });
    if ((await admin.getObjectMetadata(h.id)).replicas.join() === 'backend-3') a = h;
  }
  if (!a) throw new Error('no holder got its backup on backend-3');
  // a is received by backend-2 (a new epoch, its backup refreshed at it), then b is refused: a is taken back
  await expect(a.move('backend-2', { recursive: true })).rejects.toThrow(/refuses backend-2/);
  expect((await admin.getObjectMetadata(a.id)).master).toBe('backend-1');
  await a.dcSet('count', 5); // backend-1 demoted itself ("fenced", owner backend-1, epoch 1): DoesNotExistError
  expect(await a.peek()).toBe(5);
});

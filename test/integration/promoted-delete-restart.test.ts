// Review (failover's promotion with lifecycle's deletion): an object promoted to its backup and deleted there must
// not come back when its old master restarts with its store intact (its record of the object is stale).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, DataClayError, DevCluster } from '../../src/index.js';
import { redirect } from '../../src/object/lifecycle.js';
import { FailoverLedger } from '../models/index.js';
import { natsProfile, waitFor } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

const NS = 'promoted-delete-restart';
let cluster: DevCluster;
let admin: Client;

beforeAll(async () => {
  cluster = await DevCluster.start({ models: TEST_MODELS, backends: 2, namespace: NS, backups: 1, ...natsProfile() });
  admin = await new Client({ ...cluster.connectOptions, namespace: NS, timeoutMs: 10_000 }).start();
}, 120_000);
afterAll(async () => {
  await admin?.stop();
  await cluster?.stop();
});

it('an object deleted after its promotion is neither served nor kept by its old master once restarted', async () => {
  const l = new FailoverLedger();
  await l.makePersistent({ backendId: 'backend-1' });
  await l.record('one');
  await cluster.backend('backend-1').kill();
  await waitFor(() => admin.getObjectMetadata(l.id), {
    until: (md) => md.master === 'backend-2',
    timeoutMs: 60_000,
    what: 'the backup took over',
  });
  await l.sync();
  await l.dcDelete();
  await cluster.backend('backend-1').start(120_000);
  redirect(l, 'backend-1'); // a caller whose proxy still names the old master
  const outcome = await l.record('two').then(
    (r) => r,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(DataClayError);
  // its stale record goes too (the metadata no longer has the object): none is left behind on its disk
  const stored = () =>
    admin
      .backend('backend-1')
      .stats()
      .then((st) => st.stored);
  await waitFor(stored, { until: (n) => n === 0, timeoutMs: 30_000, what: 'backend-1 dropped the stale record' });
}, 180_000);

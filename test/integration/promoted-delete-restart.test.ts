// Review (failover's promotion with lifecycle's deletion): an object promoted to its backup and deleted there must
// not come back when its old master restarts with its store intact (its record of the object is stale); and a backup
// whose master died in the middle of a delete (the metadata's `deleting` mark) finishes the delete instead of
// promoting the object; and a holder whose retire was lost drops the copy without a restart.
import { readFileSync } from 'node:fs';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AliasDoesNotExistError, Client, DataClayError, DevCluster, DoesNotExistError } from '../../src/index.js';
import { connectNats, MetadataStore, resolveNatsSettings } from '../../src/internal.js';
import { redirect } from '../../src/object/lifecycle.js';
import { FailoverLedger } from '../models/index.js';
import { natsProfile, waitFor } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

const NS = 'promoted-delete-restart';
let cluster: DevCluster;
let admin: Client;
let nc: NatsConnection | undefined;

beforeAll(async () => {
  cluster = await DevCluster.start({ models: TEST_MODELS, backends: 2, namespace: NS, backups: 1, ...natsProfile() });
  admin = await new Client({ ...cluster.connectOptions, namespace: NS, timeoutMs: 10_000 }).start();
}, 120_000);
afterAll(async () => {
  await nc?.close();
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

it('a backup does not promote an object its master died deleting: it finishes the delete', async () => {
  const l = new FailoverLedger();
  await l.makePersistent({ backendId: 'backend-1', alias: 'doomed' });
  await l.record('one');
  const holder = (await admin.getObjectMetadata(l.id)).replicas[0];
  expect(holder).toBe('backend-2');
  const copies = () =>
    admin
      .backend(holder)
      .stats()
      .then((st) => st.copies);
  expect(await copies()).toBe(1);
  await cluster.backend('backend-1').kill();
  // the mark a delete writes first (deletion.ts): the master died right after it, before the metadata went
  nc = await connectNats(resolveNatsSettings(cluster.connectOptionsFor('backend-1'), {}), 'test', 'backend-1');
  const store = await MetadataStore.open(nc, NS);
  try {
    await store.markDeleting(l.id);
  } finally {
    store.close();
  }
  await waitFor(() => admin.getObjectMetadata(l.id).catch((err: unknown) => err), {
    until: (md) => md instanceof DoesNotExistError,
    timeoutMs: 60_000,
    what: 'the backup finished the delete',
  });
  await expect(FailoverLedger.getByAlias('doomed')).rejects.toBeInstanceOf(AliasDoesNotExistError);
  await waitFor(copies, { until: (n) => n === 0, timeoutMs: 30_000, what: "the holder's copy went" });
  await cluster.backend('backend-1').start(120_000);
}, 180_000);

it("a backup copy whose object is gone goes from its holder without a restart (the master's retire was lost)", async () => {
  const l = new FailoverLedger();
  await l.makePersistent({ backendId: 'backend-1' });
  await l.record('one');
  const holder = (await admin.getObjectMetadata(l.id)).replicas[0];
  const copies = () =>
    admin
      .backend(holder)
      .stats()
      .then((st) => st.copies);
  const before = await copies();
  // the object's metadata goes as a delete takes it, but no retire reaches the holder (it was down then)
  nc ??= await connectNats(resolveNatsSettings(cluster.connectOptionsFor('backend-1'), {}), 'test', 'backend-1');
  const store = await MetadataStore.open(nc, NS);
  try {
    await store.deleteObject(l.id);
  } finally {
    store.close();
  }
  await waitFor(copies, {
    until: (n) => n === before - 1,
    timeoutMs: 120_000,
    what: "the holder's scrub dropped the copy",
  });
  const log = readFileSync(cluster.backend(holder).options.logFile, 'utf8');
  expect(log).toContain(l.id);
  expect(log).toMatch(/dropped a backup copy: its object is gone/);
}, 180_000);

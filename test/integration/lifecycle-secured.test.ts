// An object's end on a secured cluster in strict dataset mode (docs/lifecycle.md, docs/security.md): a delete needs
// `rw` on the object's dataset, a recursive one stays within the datasets of its roots, and an operator's rebalance
// and drain move and hand over objects of datasets the admin holds no grant on. A cluster of its own: rebalance and
// drain move whatever the backends hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DevCluster, DoesNotExistError, PermissionDeniedError } from '../../src/index.js';
import { Person } from '../models/index.js';
import { natsProfile } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

let cluster: DevCluster;
const hers = 'alices';
const his = 'bobs';

beforeAll(async () => {
  cluster = await DevCluster.start({
    models: TEST_MODELS,
    backends: 3,
    namespace: 'lifesec',
    clients: ['alice', 'bob'],
    datasets: 'strict',
    ...natsProfile(),
  });
  await as('admin', async (admin) => {
    // owned by their users: the admin holds no grant on either
    await admin.datasets().create(hers, { owner: 'alice' });
    await admin.datasets().create(his, { owner: 'bob' });
    await admin.datasets().grant(hers, 'bob', 'r');
    await admin.datasets().grant(his, 'alice', 'r');
  });
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

/** Runs `fn` with a client of `name` (in the dataset it owns) as the process's active one. */
async function as<T>(name: 'admin' | 'alice' | 'bob', fn: (client: Client) => Promise<T>): Promise<T> {
  const options = name === 'admin' ? cluster.connectOptions : cluster.connectOptionsFor(name);
  const dataset = { admin: 'admin', alice: hers, bob: his }[name];
  const client = await new Client({ ...options, namespace: 'lifesec', timeoutMs: 20_000, dataset }).start();
  try {
    return await fn(client);
  } finally {
    await client.stop();
  }
}

function made(name: 'alice' | 'bob', person: string, backendId: string): Promise<Person> {
  return as(name, async () => {
    const p = new Person(person, 1);
    await p.makePersistent({ backendId });
    return p;
  });
}

describe('delete on a strict cluster', () => {
  it('a user with only read access cannot delete; the object stays', async () => {
    const p = await made('alice', 'hers', 'backend-1');
    await as('bob', async () => {
      expect(await p.dcGet('name')).toBe('hers'); // bob reads it
      await expect(p.dcDelete()).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(Person.deleteById(p.id)).rejects.toBeInstanceOf(PermissionDeniedError);
    });
    expect(await as('alice', () => p.dcGet('name'))).toBe('hers');
  });

  it('a recursive delete by a user with rw on A stops at the objects of B, across backends', async () => {
    const root = await made('alice', 'root', 'backend-1');
    const mine = await made('alice', 'mine', 'backend-2');
    const theirs = await made('bob', 'theirs', 'backend-3');
    await as('alice', async () => {
      await root.dcSet('friends', [mine, theirs]);
      await mine.dcSet('friends', [theirs]);
      expect(await root.dcDelete({ recursive: true })).toBe(2);
      await expect(mine.dcGet('name')).rejects.toBeInstanceOf(DoesNotExistError);
    });
    expect(await as('bob', () => theirs.dcGet('name'))).toBe('theirs');
  });
});

describe('operator operations on objects of datasets the admin has no grant on', () => {
  it('rebalance moves them', { timeout: 120_000 }, async () => {
    for (let i = 0; i < 6; i++) await made('bob', `crowd-${i}`, 'backend-1');
    const report = await as('admin', (admin) => admin.rebalance());
    expect(report.planned).toBeGreaterThan(0);
    expect(report.moved).toBe(report.planned);
  });

  it('drain hands over the replicas the drained backend holds', { timeout: 120_000 }, async () => {
    const p = await made('bob', 'replicated', 'backend-1');
    await as('bob', () => p.newReplica('backend-2'));
    const report = await as('admin', (admin) => admin.backend('backend-2').drain());
    expect(report.left).toBe(0);
    expect(report.handedOver).toBeGreaterThanOrEqual(1);
    const md = await as('bob', (b) => b.getObjectMetadata(p.id));
    expect(md.replicas).not.toContain('backend-2');
    expect(md.replicas.length).toBe(1);
  });
});

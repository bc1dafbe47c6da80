// Placement follows the live set: a backend that dies gets no new objects (and no makePersistent fails for it), one
// that joins gets its share within seconds, and an object goes only where its class is loaded. A cluster of its
// own: backends are killed and started here.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DevCluster } from '../../src/index.js';
import { BackendProcess } from '../../src/dev/backend-process.js';
import { Employee } from '../../samples/quickstart/model.js';
import { Counter } from '../models/index.js';
import { waitFor } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

const namespace = 'live-placement';
let cluster: DevCluster;
let client: Client;
let admin: Client;
let quickstartOnly: BackendProcess | undefined;

beforeAll(async () => {
  cluster = await DevCluster.start({ models: TEST_MODELS, backends: 3, namespace });
  admin = await new Client({ ...cluster.connectOptions, namespace }).start();
  client = await new Client({ ...cluster.connectOptionsFor('user'), namespace }).start();
}, 60_000);
afterAll(async () => {
  await client?.stop();
  await admin?.stop();
  await quickstartOnly?.stop();
  await cluster?.stop();
});

/** Where `n` new counters made by the test's client land, by backend. */
async function place(n: number): Promise<Map<string, number>> {
  const counters = Array.from({ length: n }, () => new Counter());
  for (const c of counters) await c.makePersistent();
  const where = new Map<string, number>();
  for (const c of counters) where.set(c.backendId!, (where.get(c.backendId!) ?? 0) + 1);
  return where;
}

const liveIds = async () => [...(await admin.getBackends()).keys()];

describe('placement follows the live set', () => {
  it('a killed backend gets no new objects and no makePersistent fails, even before its heartbeat goes stale', async () => {
    expect((await place(30)).size).toBeGreaterThan(1); // the client knows all three
    await cluster.backend('backend-2').kill();
    const where = await place(30); // every one of them succeeds: "no responders" re-places the object once
    expect(where.get('backend-2')).toBeUndefined();
    expect([...where.values()].reduce((a, b) => a + b, 0)).toBe(30);
    // and the cluster forgets it once its heartbeat is older than the liveness window
    await waitFor(liveIds, { until: (ids) => !ids.includes('backend-2'), what: 'backend-2 dropped' });
  });

  it('a backend that joins gets new objects from a running client within seconds', async () => {
    await cluster.backend('backend-2').start();
    await waitFor(liveIds, { until: (ids) => ids.includes('backend-2'), what: 'backend-2 back' });
    // the client was not told: it finds out by itself, refreshing its list in the background while in use
    const where = await waitFor(() => place(20), { until: (w) => (w.get('backend-2') ?? 0) > 0, what: 'a share' });
    expect(where.get('backend-2')).toBeGreaterThan(0);
  });

  it('a new object goes only to a backend that has its class loaded', async () => {
    quickstartOnly = new BackendProcess({
      id: 'backend-q',
      nats: cluster.connectOptionsFor('backend'),
      namespace,
      models: [TEST_MODELS.find((m) => m.includes(`quickstart${path.sep}model`))!],
      storage: path.join(cluster.dir, 'backend-q'),
      logFile: path.join(cluster.dir, 'backend-q.log'),
      args: ['--datasets', 'strict'],
    });
    await quickstartOnly.start();
    await waitFor(liveIds, { until: (ids) => ids.includes('backend-q'), what: 'backend-q live' });
    await client.getBackends(); // the client knows backend-q now
    const counters = await place(60);
    expect(counters.get('backend-q')).toBeUndefined();
    const employees = Array.from({ length: 60 }, (_, i) => new Employee(`e${i}`, 1));
    for (const e of employees) await e.makePersistent();
    expect(employees.some((e) => e.backendId === 'backend-q')).toBe(true); // it does take the classes it has
  });
});

describe('metadata requests follow the backend last called', () => {
  it('when that backend is killed, the queue group answers them at once', async () => {
    const called = new Counter();
    await called.makePersistent({ backendId: 'backend-1' });
    const named = new Counter();
    const alias = `followed-${Date.now()}`;
    await named.makePersistent({ backendId: 'backend-3', alias });
    expect(await called.dcGet('count')).toBe(0); // backend-1 answered last: the client's metadata requests go there
    expect((await Counter.getByAlias(alias)).id).toBe(named.id);
    await cluster.backend('backend-1').kill();
    // no responders on backend-1 (nothing delivered): asked again of the queue group, before its heartbeat is stale
    expect((await Counter.getByAlias(alias)).id).toBe(named.id);
    expect((await client.getObjectMetadata(named.id)).master).toBe('backend-3');
    await cluster.backend('backend-1').start();
  });
});

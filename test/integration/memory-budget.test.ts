// The memory budget (--max-objects) holds on every path that loads objects into a backend, not only on calls:
// persists one at a time and many at once, a graph in one batch, objects built by an active method, moves in, and
// reloads. After each acknowledged operation the backend's loaded count is within the budget, and every object
// still reads back its own value (from the store when it was evicted).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DevCluster } from '../../src/index.js';
import { Person } from '../models/index.js';
import { natsProfile } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

const BUDGET = 25;
let cluster: DevCluster;
let client: Client;

beforeAll(async () => {
  cluster = await DevCluster.start({
    models: TEST_MODELS,
    backends: 2,
    namespace: 'budget',
    backendArgs: ['--max-objects', String(BUDGET)],
    ...natsProfile(),
  });
  client = await new Client({ ...cluster.connectOptions, namespace: 'budget', timeoutMs: 30_000 }).start();
});
afterAll(async () => {
  await client?.stop();
  await cluster?.stop();
});

const loaded = async (backendId: string) => (await client.backend(backendId).stats()).loaded;

async function expectAllReadBack(people: Person[]): Promise<void> {
  const ages = await Promise.all(people.map((p) => p.dcGet('age')));
  expect(ages).toEqual(people.map((_, i) => i));
}

describe(`a backend with --max-objects ${BUDGET}`, () => {
  it('stays within it while objects are made persistent one at a time, and reads every one back', async () => {
    const people = Array.from({ length: 120 }, (_, i) => new Person(`seq-${i}`, i));
    for (const p of people) {
      await p.makePersistent({ backendId: 'backend-1' });
      expect(await loaded('backend-1')).toBeLessThanOrEqual(BUDGET);
    }
    await expectAllReadBack(people);
    expect(await loaded('backend-1')).toBeLessThanOrEqual(BUDGET);
  });

  it('stays within it under 300 persists at once and a graph of 200 in one batch', async () => {
    const people = Array.from({ length: 300 }, (_, i) => new Person(`many-${i}`, i));
    await Promise.all(people.map((p) => p.makePersistent({ backendId: 'backend-2' })));
    expect(await loaded('backend-2')).toBeLessThanOrEqual(BUDGET);
    const graph = Array.from({ length: 200 }, (_, i) => new Person(`graph-${i}`, i));
    graph.forEach((p, i) => {
      if (i > 0) graph[i - 1].friends.push(p);
    });
    await graph[0].makePersistent({ backendId: 'backend-2' });
    expect(await loaded('backend-2')).toBeLessThanOrEqual(BUDGET);
    await expectAllReadBack(people);
    await expectAllReadBack(graph);
    expect(await graph[0].friendNames()).toEqual(['graph-1']);
    expect(await loaded('backend-2')).toBeLessThanOrEqual(BUDGET);
  });

  it('stays within it when an active method builds objects, and when objects move in', async () => {
    const parent = new Person('parent', 0);
    await parent.makePersistent({ backendId: 'backend-1' });
    const names = Array.from({ length: 60 }, (_, i) => `child-${i}`);
    expect(await parent.makeFriends(...names)).toBe(60);
    expect(await loaded('backend-1')).toBeLessThanOrEqual(BUDGET);
    expect(await parent.friendNames()).toEqual(names);

    const movers = Array.from({ length: 80 }, (_, i) => new Person(`mover-${i}`, i));
    await Promise.all(movers.map((p) => p.makePersistent({ backendId: 'backend-1' })));
    await Promise.all(movers.map((p) => p.move('backend-2')));
    expect(await loaded('backend-2')).toBeLessThanOrEqual(BUDGET);
    await expectAllReadBack(movers);
    expect(await loaded('backend-2')).toBeLessThanOrEqual(BUDGET);
  });
});

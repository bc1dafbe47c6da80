// What a restarted backend trusts: the class of a stored object is its record's, never a reference's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DevCluster } from '../../src/index.js';
import { classInfoByName, DataClayObject } from '../../src/internal.js';
import { Holder, Tally } from '../models/index.js';
import { TEST_MODELS } from '../setup/models.js';

let cluster: DevCluster;
let client: Client;

beforeAll(async () => {
  cluster = await DevCluster.start({ models: TEST_MODELS, backends: 1, namespace: 'integrity' });
  client = await new Client({ natsUrl: cluster.natsUrl, namespace: 'integrity', timeoutMs: 10_000 }).start();
});
afterAll(async () => {
  await client?.stop();
  await cluster?.stop();
});

describe('forged references', () => {
  it('a reference naming a stored object with another class does not re-type it, before or after a restart', async () => {
    const victim = new Tally();
    await victim.makePersistent({ backendId: 'backend-1' });
    await victim.inc(3);
    const holder = new Holder();
    await holder.makePersistent({ backendId: 'backend-1' });
    await cluster.backend('backend-1').restart();
    // a proxy that claims the victim is a Person: what a forged reference on the wire says
    const forged = DataClayObject.materialize(
      classInfoByName('test/models/people.Person'),
      victim.id,
      false,
      'backend-1',
    );
    await holder.dcSet('ref', forged as never);
    expect(await victim.inc(1)).toBe(4);
    await cluster.backend('backend-1').restart();
    expect(await victim.inc(1)).toBe(5);
    expect((await client.listObjects({ limit: 100_000 })).find((m) => m.id === victim.id)?.className).toBe(
      victim.className,
    );
  });
});

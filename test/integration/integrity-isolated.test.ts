// Integrity tests that need a cluster of their own: large retried graphs (they would swell the shared cluster's
// metadata) and restarts (the class of a stored object is its record's, never a reference's).
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DevCluster, ProtocolError, TimeoutError } from '../../src/index.js';
import { classInfoByName, newProxy } from '../../src/internal.js';
import { Branch, Counter, Holder, Tally } from '../models/index.js';
import { natsProfile, uniqueAlias, waitFor } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

let cluster: DevCluster;
let client: Client;

beforeAll(async () => {
  cluster = await DevCluster.start({ models: TEST_MODELS, backends: 2, namespace: 'integrity', ...natsProfile() });
  client = await new Client({ ...cluster.connectOptions, namespace: 'integrity', timeoutMs: 10_000 }).start();
});
afterAll(async () => {
  await client?.stop();
  await cluster?.stop();
});

describe('retries are safe', () => {
  it('a makePersistent retried after a timeout loses no metadata of the first attempt (3,001 objects)', {
    timeout: 120_000,
  }, async () => {
    const root = new Branch('root');
    for (let i = 0; i < 3_000; i++) root.children.push(new Branch(`c${i}`));
    const children = [...root.children];
    const alias = uniqueAlias('important');
    await client.getBackends(); // known backends cached: the 20 ms go to the persist itself, not to looking them up
    const first = await client
      .run({ timeoutMs: 20 }, () => root.makePersistent({ backendId: 'backend-1', alias }))
      .then(
        () => undefined,
        (err) => err,
      );
    if (first !== undefined) expect(first).toBeInstanceOf(TimeoutError);
    // the first attempt is applied meanwhile: its alias appears
    await waitFor(() => Branch.getByAlias(alias).catch(() => undefined), { what: 'the first attempt applied' });
    await root.makePersistent({ backendId: 'backend-2' }).catch(() => undefined); // succeeds or refuses: either way, nothing lost
    const found = await Branch.getByAlias(alias);
    expect(found.id).toBe(root.id);
    expect(await found.size()).toBe(3_000);
    // each one's metadata, looked up by id (none of them is in this process's identity map: the retry was refused)
    const missing = await Promise.all(
      [root, ...children].map((o) =>
        Branch.getById(o.id).then(
          () => 0,
          () => 1,
        ),
      ),
    );
    const lost = missing.reduce((a: number, b: number) => a + b, 0);
    expect(lost).toBe(0);
  });

  it('a makePersistent retried where the first attempt was applied answers as if it had succeeded', async () => {
    const root = new Branch('root');
    for (let i = 0; i < 2_000; i++) root.children.push(new Branch(`c${i}`));
    const alias = uniqueAlias('retried');
    await client.getBackends(); // known backends cached: the 20 ms go to the persist itself
    await client
      .run({ timeoutMs: 20 }, () => root.makePersistent({ backendId: 'backend-1', alias }))
      .catch((err) => expect(err).toBeInstanceOf(TimeoutError));
    await waitFor(() => Branch.getByAlias(alias).catch(() => undefined), { what: 'the first attempt applied' });
    await root.makePersistent({ backendId: 'backend-1', alias }); // the same request again: no AlreadyExists
    expect(root.isRegistered).toBe(true);
    expect(root.backendId).toBe('backend-1');
    expect(await root.size()).toBe(2_000);
    expect((await Branch.getByAlias(alias)).id).toBe(root.id);
  });
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
    const forged = newProxy(classInfoByName('test/models/people.Person'), victim.id, 'backend-1');
    // the backend resolves it to the stored object's own class, which the field's declared type then refuses
    await expect(holder.dcSet('ref', forged as never)).rejects.toThrow(
      /expects Counter \| null, got an object of class test\/models\/integrity.Tally/,
    );
    expect(await victim.inc(1)).toBe(4);
    await cluster.backend('backend-1').restart();
    expect(await victim.inc(1)).toBe(5);
    expect((await client.listObjects({ limit: 100_000 })).find((m) => m.id === victim.id)?.className).toBe(
      victim.className,
    );
  });
});

describe('forged references to objects mastered elsewhere', () => {
  it('are refused, in a request or a persisted state, and leave no proxy of the forged class behind', async () => {
    const victim = new Tally();
    await victim.makePersistent({ backendId: 'backend-2' });
    await victim.inc(2);
    const holder = new Holder();
    await holder.makePersistent({ backendId: 'backend-1' });
    // a proxy that claims the victim (a Tally, on backend-2) is a Counter, which the holder's field accepts
    const forged = () => newProxy(classInfoByName(new Counter().className), victim.id, 'backend-2');
    await expect(holder.dcSet('ref', forged() as never)).rejects.toThrow(
      new RegExp(`names object ${victim.id} with a class it does not have`),
    );
    const carrier = new Holder();
    carrier.ref = forged() as never;
    await expect(carrier.makePersistent({ backendId: 'backend-1' })).rejects.toBeInstanceOf(ProtocolError);
    expect(carrier.isRegistered).toBe(false);
    // backend-1 knows the victim by its own class now: an honest reference is checked against that one
    await expect(holder.dcSet('ref', victim as never)).rejects.toThrow(
      /expects Counter \| null, got an object of class test\/models\/integrity.Tally/,
    );
    expect(await holder.dcGet('ref')).toBe(null);
    // and a reference of the right class still goes through, to an object backend-1 has not met yet
    const counter = new Counter();
    await counter.makePersistent({ backendId: 'backend-2' });
    await holder.dcSet('ref', counter);
    expect((await holder.dcGet('ref'))?.id).toBe(counter.id);
    expect(await victim.inc(1)).toBe(3);
  });
});

describe('crashes and restarts', () => {
  it('a create cut by kill -9 leaves no alias or metadata without its object (no phantoms)', async () => {
    const aliases: string[] = [];
    let killed: Promise<void> | undefined;
    let n = 0;
    const killAt = 100 + Math.floor(Math.random() * 200);
    const worker = async () => {
      while (n < 600) {
        const i = n++;
        if (i === killAt)
          killed = cluster
            .backend('backend-1')
            .kill()
            .then(() => cluster.backend('backend-1').start());
        const alias = uniqueAlias(`p${i}`);
        aliases.push(alias);
        const t = new Tally();
        await t.makePersistent({ backendId: 'backend-1', alias }).catch(async () => {
          if (!killed) throw new Error('a create failed before the kill');
          await killed;
        });
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
    await killed;
    let phantoms = 0;
    for (const alias of aliases) {
      const found = await Tally.getByAlias(alias).then(
        async (t) => {
          await t.inc(0);
          return 'ok';
        },
        (err) => err.name,
      );
      if (found !== 'ok' && found !== 'AliasDoesNotExistError') phantoms++;
    }
    expect(phantoms).toBe(0);
  }, 120_000);

  it('a passive subscriber on > does not keep a backend from restarting', async () => {
    const nc = await connect(cluster.connectOptions); // the admin: a passive subscriber its permissions allow
    try {
      nc.subscribe('>', { callback: () => undefined }); // takes every message, answers none
      await nc.flush();
      await cluster.backend('backend-2').restart();
      const t = new Tally();
      await t.makePersistent({ backendId: 'backend-2' });
      expect(await t.inc(2)).toBe(2);
    } finally {
      await nc.close();
    }
  }, 60_000);
});

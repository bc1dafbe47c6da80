// Objects that become persistent inside a request (issue 12, docs/security.md "Datasets and grants"): they land in
// the session's dataset, so the calling user needs rw there, whatever the dataset of the object the method runs on;
// on a nested call the check is the original caller's, on the backend where the object is built. A refused request
// leaves no trace. Against the shared secured cluster (real nats-server and backends).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, type NatsConnectOptions, PermissionDeniedError } from '../../src/index.js';
import { Factory, Person } from '../models/index.js';
import { adminClient } from '../setup/helpers.js';

function optionsOf(user: string): NatsConnectOptions {
  const pass = readFileSync(path.join(inject('clusterDir'), 'credentials', `${user}.password`), 'utf8').trim();
  return { servers: inject('natsUrl'), user, pass };
}

const mine = `own-${randomUUID().slice(0, 8)}`; // alice: rw
const theirs = `${mine}-theirs`; // alice: r
const closed = `${mine}-closed`; // alice: nothing
let admin: Client;
let alice: Client;
let here: Person;
let there: Person;
let factory: Factory;

/** Every object of a dataset, as the metadata has it. */
async function objectsOf(dataset: string): Promise<string[]> {
  return (await admin.listObjects({ dataset, limit: 1_000_000 })).map((o) => o.id);
}

beforeAll(async () => {
  admin = await adminClient();
  for (const name of [mine, theirs, closed]) await admin.datasets().create(name);
  await admin.datasets().grant(mine, 'alice', 'rw');
  await admin.datasets().grant(theirs, 'alice', 'r');
  alice = await new Client(optionsOf('alice')).start(); // the active client from here on
  [here, there] = [new Person('Here', 1), new Person('There', 1)];
  factory = new Factory();
  await alice.run({ dataset: mine }, async () => {
    await here.makePersistent({ backendId: 'backend-1' });
    await there.makePersistent({ backendId: 'backend-2' });
    await factory.makePersistent({ backendId: 'backend-1' });
  });
});

afterAll(async () => {
  await alice?.stop();
  await admin?.stop();
});

describe('objects an active method creates', () => {
  it('land in the session dataset only with rw there: refused in one read-only or closed, with no trace', async () => {
    for (const dataset of [theirs, closed]) {
      const err = await alice.run({ dataset }, () => here.adopt('Stray')).catch((e) => e);
      expect(err).toBeInstanceOf(PermissionDeniedError);
      expect(err.data).toMatchObject({ user: 'alice', dataset });
      const made = await alice
        .run({ dataset }, () => factory.makePersistentWithAlias(`stray-${dataset}`))
        .catch((e) => e);
      expect(made).toBeInstanceOf(PermissionDeniedError);
      expect(await objectsOf(dataset)).toEqual([]);
    }
    // the method's object is as it was: the friend it pushed went with the refusal
    expect(await alice.run({ dataset: mine }, () => here.dcGet('friends'))).toEqual([]);
    const child = await alice.run({ dataset: mine }, () => here.adopt('Kept'));
    expect((await objectsOf(mine)).includes(child.id)).toBe(true);
    expect(await alice.run({ dataset: mine }, () => here.dcGet('friends'))).toEqual([child]);
  });

  it('on a nested call are checked on the other backend with the original caller', async () => {
    // here (backend-1) asks there (backend-2) to build a friend: backend-2 checks alice, not backend-1
    const err = await alice.run({ dataset: closed }, () => here.adoptVia(there, 'Remote stray')).catch((e) => e);
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect(err.data).toMatchObject({ user: 'alice', dataset: closed });
    expect(await objectsOf(closed)).toEqual([]);
    expect(await alice.run({ dataset: mine }, () => there.dcGet('friends'))).toEqual([]);
    const made = await alice.run({ dataset: mine }, () => here.adoptVia(there, 'Remote friend'));
    expect(made.backendId).toBe('backend-2');
    const record = (await admin.listObjects({ dataset: mine, limit: 1_000_000 })).find((o) => o.id === made.id);
    expect(record).toMatchObject({ dataset: mine, master: 'backend-2' });
  });

  it('new objects an argument references are refused too (persisted before the call leaves)', async () => {
    const stray = new Person('Argument', 1);
    const err = await alice.run({ dataset: closed }, () => here.echo(stray)).catch((e) => e);
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect(stray.isRegistered).toBe(false); // still the caller's local object, unchanged
    expect(stray.name).toBe('Argument');
    expect(await objectsOf(closed)).toEqual([]);
    const echoed = await alice.run({ dataset: mine }, () => here.echo(stray));
    expect(echoed).toBe(stray);
    expect(stray.isRegistered).toBe(true);
  });

  it('the admin, owner of the datasets it created, may create in them', async () => {
    await using owner = await adminClient(); // the active client until disposed
    const made = await owner.run({ dataset: closed }, () => here.adopt('By the admin'));
    expect(await objectsOf(closed)).toEqual([made.id]);
  });
});

// Rows of issue 12's first paragraph not covered elsewhere, on the shared secured cluster (real nats-server and
// backends): a user without a grant on a dataset can neither read nor overwrite an object's whole state there
// (clone, update, raw `state`/`update`), nor move, replicate or version it, nor re-point one of its aliases at an
// object of its own; the rightful user can.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, type NatsConnectOptions, PermissionDeniedError } from '../../src/index.js';
import { encode, readReply } from '../../src/internal.js';
import { Person } from '../models/index.js';
import { adminClient } from '../setup/helpers.js';

function optionsOf(user: string): NatsConnectOptions {
  const pass = readFileSync(path.join(inject('clusterDir'), 'credentials', `${user}.password`), 'utf8').trim();
  return { servers: inject('natsUrl'), user, pass };
}

const ds = `state-${randomUUID().slice(0, 8)}`;
const alias = `doc-${randomUUID().slice(0, 8)}`;
let admin: Client;
let doc: Person;

async function as<T>(name: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await new Client(optionsOf(name)).start();
  try {
    return await fn(client);
  } finally {
    await client.stop();
  }
}

beforeAll(async () => {
  admin = await adminClient();
  await admin.datasets().create(ds);
  await admin.datasets().grant(ds, 'alice', 'rw');
  doc = await as('alice', async (alice) => {
    const p = new Person('Whole', 40);
    await alice.run({ dataset: ds }, () => p.makePersistent({ alias, backendId: 'backend-1' }));
    return p;
  });
});

afterAll(async () => {
  await admin?.stop();
});

describe('without a grant on the dataset, a user', () => {
  it('cannot read or overwrite the whole state, even with raw requests', async () => {
    await as('bob', async () => {
      await expect(doc.dcClone()).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(doc.dcUpdate(new Person('Overwritten', 0))).rejects.toBeInstanceOf(PermissionDeniedError);
    });
    const { servers, pass } = optionsOf('bob');
    const nc = await connect({ servers, user: 'bob', pass, inboxPrefix: '_INBOX.bob' });
    try {
      const subject = (op: string) => `dc.default.u.bob.be.backend-1.${op}`;
      const ask = async (op: string, body: unknown) =>
        readReply((await nc.request(subject(op), encode(body), { timeout: 5_000 })).data);
      const s = ['bob', ds];
      await expect(ask('state', [s, doc.id])).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(ask('update', [s, doc.id, { name: 'Raw', age: 0, friends: [] }])).rejects.toBeInstanceOf(
        PermissionDeniedError,
      );
    } finally {
      await nc.close();
    }
    await as('alice', async () => {
      expect(await doc.dcGet('name')).toBe('Whole'); // untouched
      expect((await doc.dcClone()).name).toBe('Whole');
    });
  });

  it('cannot move, replicate or version the object', async () => {
    await as('bob', async () => {
      await expect(doc.move('backend-2')).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(doc.newReplica('backend-3')).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(doc.newVersion()).rejects.toBeInstanceOf(PermissionDeniedError);
    });
    const record = (await admin.listObjects({ dataset: ds, limit: 1_000 })).find((o) => o.id === doc.id);
    expect(record).toMatchObject({ master: 'backend-1', replicas: [] });
    expect((await admin.listObjects({ dataset: ds, limit: 1_000 })).length).toBe(1); // no version either
  });

  it('cannot delete an alias and re-point it at its own object', async () => {
    await as('bob', async (bob) => {
      const own = new Person('Bob’s', 1);
      await own.makePersistent(); // in the dataset `admin`, where bob has rw
      await expect(bob.run({ dataset: ds }, () => Person.deleteAlias(alias))).rejects.toBeInstanceOf(
        PermissionDeniedError,
      );
      // alias.add names the other dataset: rw there is needed, not only on the object's own
      const { servers, pass } = optionsOf('bob');
      const nc = await connect({ servers, user: 'bob', pass, inboxPrefix: '_INBOX.bob' });
      try {
        const reply = await nc.request(
          'dc.default.u.bob.md.alias.add',
          encode({ s: ['bob', 'admin'], d: ds, a: `${alias}-2`, id: own.id }),
          { timeout: 5_000 },
        );
        expect(() => readReply(reply.data)).toThrow(PermissionDeniedError);
      } finally {
        await nc.close();
      }
    });
    await as('alice', async (alice) => {
      expect((await alice.run({ dataset: ds }, () => Person.getByAlias(alias))).id).toBe(doc.id);
      await expect(alice.run({ dataset: ds }, () => Person.getByAlias(`${alias}-2`))).rejects.toThrow(
        /does not exist|not/,
      );
    });
  });

  it('cannot make a backend take an object for its own by a refused persist of its id', async () => {
    // the record a persist writes is readable before its metadata create is refused (the id is another dataset's):
    // a backend that authorized from its records would take the object for the forger's from then on
    const victim = await as('alice', async (alice) => {
      const p = new Person('Victim', 30);
      await alice.run({ dataset: ds }, () => p.makePersistent({ backendId: 'backend-1' }));
      return p;
    });
    const { servers, pass } = optionsOf('bob');
    const nc = await connect({ servers, user: 'bob', pass, inboxPrefix: '_INBOX.bob' });
    const ask = async (op: string, body: unknown) =>
      readReply((await nc.request(`dc.default.u.bob.be.backend-2.${op}`, encode(body), { timeout: 5_000 })).data);
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'answered',
        (e: Error) => e.constructor.name,
      );
    try {
      const forged = encode({ name: 'Forged', age: 1, friends: [] });
      const states: string[] = [];
      for (let i = 0; i < 40; i++) {
        // bob's own dataset (`admin`, rw); the state request races the persist's refusal
        const persisting = outcome(
          ask('persist', [['bob', 'admin'], [[victim.id, 'test/models/people.Person', forged]]]),
        );
        // a turn or a millisecond later: into the persist's window, between its records' write and its refusal
        await new Promise((r) => (i % 2 ? setImmediate(r) : setTimeout(r, 1)));
        const reading = outcome(ask('state', [['bob', 'admin'], victim.id]));
        // the same persist twice more, as retries would be, while the first is still in flight: each waits for the
        // outcome of the one before it, and is refused in its turn
        const forge = () =>
          outcome(ask('persist', [['bob', 'admin'], [[victim.id, 'test/models/people.Person', forged]]]));
        const [persisted, read, ...retried] = await Promise.all([persisting, reading, forge(), forge()]);
        expect([persisted, ...retried]).toEqual(Array(3).fill('AlreadyPersistentError'));
        states.push(read);
      }
      expect(new Set(states)).toEqual(new Set(['PermissionDeniedError']));
      // once the object is mastered there, its owner is served and the forger refused
      await as('alice', async (alice) => {
        await alice.run({ dataset: ds }, () => victim.move('backend-2'));
        expect(await alice.run({ dataset: ds }, () => victim.dcGet('name'))).toBe('Victim');
      });
      await expect(ask('state', [['bob', 'admin'], victim.id])).rejects.toBeInstanceOf(PermissionDeniedError);
    } finally {
      await nc.close();
    }
  });
});

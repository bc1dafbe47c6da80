// What a request names becomes part of NATS subjects and KV keys, on the shared secured cluster (real nats-server and
// backends): an object id that is a wildcard, or an alias too long for a subject, is refused before anything is
// read or written, so it can neither read another dataset's metadata nor leave a trace nor cost a backend its NATS
// connection. And a recursive move or replication carries only objects of datasets the caller may change.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  Client,
  InvalidAliasError,
  InvalidOptionError,
  type NatsConnectOptions,
  ProtocolError,
} from '../../src/index.js';
import { classInfoByName, encode, newProxy, readReply } from '../../src/internal.js';
import { Person } from '../models/index.js';
import { adminClient } from '../setup/helpers.js';

function optionsOf(user: string): NatsConnectOptions {
  const pass = readFileSync(path.join(inject('clusterDir'), 'credentials', `${user}.password`), 'utf8').trim();
  return { servers: inject('natsUrl'), user, pass };
}

const theirs = `ids-theirs-${randomUUID().slice(0, 8)}`;
const mine = `ids-mine-${randomUUID().slice(0, 8)}`;
let admin: Client;
let bob: Client;
let raw: NatsConnection;
/** Objects of `theirs`, made by the admin before bob's client starts (the object API uses the last one started). */
let secret: Person;
let shared: Person;

/** A request as bob sends it by hand, answered (or refused) by backend-1. */
async function ask(space: 'be' | 'md', op: string, body: unknown): Promise<unknown> {
  const subject = space === 'be' ? `dc.default.u.bob.be.backend-1.${op}` : `dc.default.u.bob.be.backend-1.md.${op}`;
  return readReply((await raw.request(subject, encode(body), { timeout: 10_000 })).data);
}

beforeAll(async () => {
  admin = await adminClient();
  await admin.datasets().create(theirs);
  await admin.datasets().create(mine);
  await admin.datasets().grant(mine, 'bob', 'rw');
  await admin.datasets().grant(theirs, 'bob', 'r');
  secret = new Person('Secret', 1);
  shared = new Person('Shared', 30); // bob may read it, not change it
  await admin.run({ dataset: theirs }, () => secret.makePersistent({ backendId: 'backend-1' }));
  await admin.run({ dataset: theirs }, () => shared.makePersistent({ backendId: 'backend-1' }));
  bob = await new Client({ ...optionsOf('bob'), dataset: mine, timeoutMs: 10_000 }).start();
  const { servers, pass } = optionsOf('bob');
  raw = await connect({ servers, user: 'bob', pass, inboxPrefix: '_INBOX.bob' });
});

afterAll(async () => {
  await raw?.close();
  await bob?.stop();
  await admin?.stop();
});

describe('an object id', () => {
  it('that is a wildcard reads no metadata record, even right after one was written', async () => {
    expect((await admin.getObjectMetadata(secret.id)).dataset).toBe(theirs);
    const s = ['bob', mine];
    for (const id of ['*', '>', 'a.*', '']) {
      await expect(ask('md', 'object', { s, id })).rejects.toBeInstanceOf(ProtocolError);
      await expect(ask('md', 'alias.list', { s, id })).rejects.toBeInstanceOf(ProtocolError);
      await expect(ask('be', 'state', [s, id])).rejects.toBeInstanceOf(ProtocolError);
    }
    // and the backend still answers bob's own requests
    const own = new Person('Own', 2);
    await bob.run({}, () => own.makePersistent({ backendId: 'backend-1' }));
    expect(await bob.run({}, () => own.addYear())).toBe(3);
  });

  it('that is no valid key is refused at persist, leaving no record', async () => {
    const s = ['bob', mine];
    const forged = encode({ name: 'Forged', age: 0 });
    for (const id of ['q.>', 'has space', '*']) {
      await expect(ask('be', 'persist', [s, [[id, 'test/models/people.Person', forged]]])).rejects.toBeInstanceOf(
        ProtocolError,
      );
    }
    const listed = await admin.listObjects({ dataset: mine, limit: 1_000 });
    expect(listed.filter((o) => !/^[A-Za-z0-9_-]+$/.test(o.id))).toEqual([]);
    // a collection walks every record: one that is no valid key would fail it
    await expect(admin.collectGarbage({ dryRun: true })).resolves.toBeDefined();
  });

  it('in a reference that names a wildcard is a malformed request', async () => {
    const p = new Person('Caller', 3);
    await bob.run({}, () => p.makePersistent({ backendId: 'backend-1' }));
    const s = ['bob', mine];
    for (const [id, hint] of [
      ['*', 'backend-1'],
      ['>', null],
      [p.id, '*'], // a backend hint becomes a subject too
    ] as const) {
      const forged = newProxy(classInfoByName(p.className), id, hint ?? undefined);
      await expect(ask('be', 'call', [s, p.id, 'greet', [forged]])).rejects.toBeInstanceOf(ProtocolError);
    }
    expect(await bob.run({}, () => p.addYear())).toBe(4); // still serving
  });

  it('given to getById that is no id is an InvalidOptionError, sent nowhere', async () => {
    for (const id of ['', '*', 'a b'])
      await expect(bob.run({}, () => Person.getById(id))).rejects.toBeInstanceOf(InvalidOptionError);
  });
});

describe('an alias or dataset name', () => {
  it('too long for a key once escaped is refused at once, and stores nothing', async () => {
    const long = '😀'.repeat(400); // 4 bytes each, 3 characters per byte once escaped: 4,800
    const p = new Person('Long', 5);
    const started = Date.now();
    await expect(bob.run({}, () => p.makePersistent({ alias: long }))).rejects.toBeInstanceOf(InvalidAliasError);
    await expect(bob.run({}, () => Person.getByAlias(long))).rejects.toBeInstanceOf(InvalidAliasError);
    expect(Date.now() - started).toBeLessThan(5_000); // refused, not timed out (the client's timeout is 10 s)
    expect(p.isRegistered).toBe(false);
    await expect(bob.run({}, () => p.makePersistent())).resolves.toBeUndefined(); // and nothing stuck behind it
  });

  it('sent by hand too long is a ProtocolError, and the backend keeps its NATS connection', async () => {
    const p = new Person('Raw', 6);
    await bob.run({}, () => p.makePersistent({ backendId: 'backend-1' }));
    const long = '😀'.repeat(400);
    await expect(ask('md', 'alias.add', { s: ['bob', mine], a: long, id: p.id })).rejects.toBeInstanceOf(ProtocolError);
    await expect(ask('md', 'alias.get', { s: ['bob', mine], d: mine, a: long })).rejects.toBeInstanceOf(ProtocolError);
    await expect(ask('be', 'get', [['bob', long], p.id, 'name'])).rejects.toBeInstanceOf(ProtocolError);
    expect(await bob.run({}, () => p.addYear())).toBe(7); // served at once: no reconnect in between
  });

  it('with a lone surrogate is refused, rather than stored as another alias', async () => {
    const p = new Person('Surrogate', 8);
    await expect(bob.run({}, () => p.makePersistent({ alias: 'x\uD800' }))).rejects.toBeInstanceOf(InvalidAliasError);
  });

  it('as a client option is checked when the client is made', () => {
    expect(() => new Client({ ...optionsOf('bob'), dataset: 5 as unknown as string })).toThrow(InvalidOptionError);
    expect(() => new Client({ ...optionsOf('bob'), dataset: '' })).toThrow(InvalidOptionError);
  });
});

describe('a recursive move or replication', () => {
  it('leaves in place what the graph reaches in a dataset the caller may not change', async () => {
    const root = new Person('Root', 31);
    const child = new Person('Child', 32);
    root.friends = [child, shared];
    await bob.run({}, () => root.makePersistent({ backendId: 'backend-1' }));
    await bob.run({}, () => root.move('backend-2', { recursive: true }));
    const where = async (id: string) => (await admin.getObjectMetadata(id)).master;
    expect(await where(root.id)).toBe('backend-2');
    expect(await where(child.id)).toBe('backend-2');
    expect(await where(shared.id)).toBe('backend-1');
    await bob.run({}, () => root.newReplica('backend-3', { recursive: true }));
    expect((await admin.getObjectMetadata(child.id)).replicas).toContain('backend-3');
    expect((await admin.getObjectMetadata(shared.id)).replicas).toEqual([]);
  });
});

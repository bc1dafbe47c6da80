// Security (issue 12, docs/security.md), against the secured test cluster: an authenticated user running arbitrary
// NATS code is confined to its own subjects and inbox, and a backend trusts the subject, not the request, for who
// calls. One test per attack; each is refused with a typed error, or sees no data at all; the rightful identity
// succeeds.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kvm } from '@nats-io/kv';
import {
  connect,
  headers,
  type Msg,
  type NatsConnection,
  PermissionViolationError,
  type Subscription,
} from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  Backend,
  Client,
  DevCluster,
  InvalidOptionError,
  type NatsConnectOptions,
  PermissionDeniedError,
} from '../../src/index.js';
import { encode, readReply } from '../../src/internal.js';
import { Counter, Holder, Person } from '../models/index.js';
import { adminClient, envFor, testClient } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const NS = 'default';
const PERSON = 'test/models/people.Person';

/** How a client user of the test cluster connects (`user`, `alice`, `bob` exist). */
function optionsOf(user: string): NatsConnectOptions {
  const pass = readFileSync(path.join(inject('clusterDir'), 'credentials', `${user}.password`), 'utf8').trim();
  return { servers: inject('natsUrl'), user, pass };
}

/** Raw nats.js code with a user's credentials: what an attacker writes. Every permission error it gets is kept. */
interface Raw {
  nc: NatsConnection;
  violations: PermissionViolationError[];
  /** Resolves once the server has refused a publish to (or a subscription of) `subject`. */
  refused(subject: string): Promise<void>;
}

const raws: Raw[] = [];

async function rawAs(user: string, options: NatsConnectOptions = optionsOf(user)): Promise<Raw> {
  const { servers, pass } = options;
  const nc = await connect({ servers, user, pass, inboxPrefix: `_INBOX.${user}` });
  const violations: PermissionViolationError[] = [];
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'error' && s.error instanceof PermissionViolationError) violations.push(s.error);
    }
  })();
  const refused = (subject: string) => until(() => violations.some((v) => v.subject === subject));
  const raw = { nc, violations, refused };
  raws.push(raw);
  return raw;
}

async function until(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A subscription that records what it receives, and the error it was closed with. */
function listen(nc: NatsConnection, subject: string, queue?: string): { got: Msg[]; error: () => Error | undefined } {
  const got: Msg[] = [];
  let error: Error | undefined;
  const sub: Subscription = nc.subscribe(subject, {
    queue,
    callback: (err, msg) => {
      if (err) error = err;
      else got.push(msg);
    },
  });
  void sub.closed.catch((err) => (error = err));
  return { got, error: () => error };
}

/** nats.js's request() rejects a publish the server refused with a RequestError caused by the violation. */
function serverRefused(err: unknown): boolean {
  return err instanceof PermissionViolationError || (err as Error).cause instanceof PermissionViolationError;
}

/** A request as raw code sends it, with its own reply subject; the decoded reply or the error it carries. */
async function request(nc: NatsConnection, subject: string, body: unknown): Promise<unknown> {
  const msg = await nc.request(subject, encode(body), { timeout: 5_000 });
  return readReply(msg.data);
}

const be = (user: string, id: string, op: string, space = 'u') => `dc.${NS}.${space}.${user}.be.${id}.${op}`;
const md = (user: string, op: string, space = 'u') => `dc.${NS}.${space}.${user}.md.${op}`;

let user: Client;
let admin: Client;
let person: Person;

beforeAll(async () => {
  admin = await adminClient();
  user = await testClient(); // started last: the active client
  person = new Person('Guarded', 30);
  await person.makePersistent({ backendId: 'backend-1' });
});

afterAll(async () => {
  await Promise.all(raws.map((r) => r.nc.close()));
  await user?.stop();
  await admin?.stop();
});

describe('a user', () => {
  it('cannot list the objects of every dataset; the admin can', async () => {
    await expect(user.listObjects({ limit: 10 })).rejects.toBeInstanceOf(PermissionDeniedError);
    // the operation sent in the user's own space instead: the backend refuses it
    const alice = await rawAs('alice');
    const inUserSpace = await request(alice.nc, md('alice', 'objects'), { s: ['alice', 'admin'], limit: 10 }).catch(
      (e) => e,
    );
    expect(inUserSpace).toBeInstanceOf(PermissionDeniedError);
    expect((await admin.listObjects({ limit: 1_000_000 })).some((o) => o.id === person.id)).toBe(true);
  });

  it('cannot claim another username: the backend sees the identity the server checked', async () => {
    const counter = new Counter();
    await counter.makePersistent({ backendId: 'backend-2' });
    expect(() => user.run({ username: 'root' }, () => counter.whoAmI())).toThrow(InvalidOptionError);
    expect(() => new Client({ ...optionsOf('user'), username: 'root' })).toThrow(InvalidOptionError);
    // raw code puts 'root' in the request's session: overridden by the subject's user
    const alice = await rawAs('alice');
    const seen = await request(alice.nc, be('alice', 'backend-2', 'call'), [
      ['root', 'admin'],
      counter.id,
      'whoAmI',
      [],
    ]);
    expect(seen).toEqual([{ username: 'alice', dataset: 'admin' }]);
    // and cannot publish in root's space, nor in the backend space on root's behalf
    for (const subject of [be('root', 'backend-2', 'call'), be('root', 'backend-2', 'call', 'b')]) {
      const denied = await request(alice.nc, subject, [['root', 'admin'], counter.id, 'whoAmI', []]).catch((e) => e);
      expect(serverRefused(denied)).toBe(true);
    }
    expect(await counter.whoAmI()).toEqual([{ username: 'user', dataset: 'admin' }]);
  });

  it('cannot read, write or delete metadata in KV directly', async () => {
    const alice = await rawAs('alice');
    const kvm = new Kvm(alice.nc);
    await expect(kvm.create(`dc_${NS}_objects`)).rejects.toThrow(/permission/i);
    const bound = await kvm.open(`dc_${NS}_objects`); // binds without asking the server
    await expect(bound.get(person.id)).rejects.toThrow(/permission/i);
    await expect(bound.delete(person.id)).rejects.toThrow(/permission/i);
    const purge = headers();
    purge.set('KV-Operation', 'PURGE');
    alice.nc.publish(`$KV.dc_${NS}_objects.${person.id}`, new Uint8Array(), { headers: purge });
    alice.nc.publish(`$JS.API.STREAM.DELETE.KV_dc_${NS}_objects`);
    alice.nc.publish(`$JS.API.DIRECT.GET.KV_dc_${NS}_objects.$KV.dc_${NS}_objects.${person.id}`);
    await alice.refused(`$KV.dc_${NS}_objects.${person.id}`);
    await alice.refused(`$JS.API.STREAM.DELETE.KV_dc_${NS}_objects`);
    await alice.refused(`$JS.API.DIRECT.GET.KV_dc_${NS}_objects.$KV.dc_${NS}_objects.${person.id}`);
    expect(await person.addYear()).toBe(31); // its record is intact
  });

  it('cannot register a rogue backend: no backend subjects, no backends bucket', async () => {
    const alice = await rawAs('alice');
    const own = listen(alice.nc, `dc.${NS}.*.*.be.rogue.*`);
    const metadata = listen(alice.nc, `dc.${NS}.*.*.md.>`, 'dc-md');
    alice.nc.publish(`$KV.dc_${NS}_backends.rogue`, encode({ id: 'rogue' }));
    await alice.refused(`$KV.dc_${NS}_backends.rogue`);
    await until(() => own.error() !== undefined && metadata.error() !== undefined);
    expect(own.error()).toBeInstanceOf(PermissionViolationError);
    expect(metadata.error()).toBeInstanceOf(PermissionViolationError);
    // the real thing, with a user's credentials: it cannot even open the metadata buckets
    const storage = mkdtempSync(path.join(tmpdir(), 'dc-rogue-'));
    try {
      const started = Backend.start({ ...optionsOf('alice'), models: [], storage, id: 'rogue', namespace: NS });
      await expect(started).rejects.toBeInstanceOf(PermissionDeniedError);
    } finally {
      rmSync(storage, { recursive: true, force: true });
    }
    expect([...(await user.getBackends()).keys()]).toEqual(['backend-1', 'backend-2', 'backend-3']);
  });

  it('cannot answer calls in place of a backend', async () => {
    const alice = await rawAs('alice');
    const impostors = [
      listen(alice.nc, `dc.${NS}.u.*.be.backend-1.*`),
      listen(alice.nc, `dc.${NS}.u.user.be.backend-1.call`),
      listen(alice.nc, `dc.${NS}.*.*.md.>`),
    ];
    await until(() => impostors.every((i) => i.error() !== undefined));
    expect(await person.addYear()).toBe(32); // answered by backend-1
    await alice.nc.flush();
    expect(impostors.every((i) => i.error() instanceof PermissionViolationError && i.got.length === 0)).toBe(true);
  });

  it('cannot forge replies: not into an inbox, nor by aiming a backend’s reply elsewhere', async () => {
    const alice = await rawAs('alice');
    const bob = await rawAs('bob');
    const bobInbox = listen(bob.nc, '_INBOX.bob.>');
    const backendRecord = `$KV.dc_${NS}_backends.rogue`;
    await bob.nc.flush();
    alice.nc.publish('_INBOX.bob.x.1', encode([0, 'forged']));
    await alice.refused('_INBOX.bob.x.1');
    // the confused deputy: alice's request with a reply subject that is not her inbox
    const get = be('alice', 'backend-1', 'get');
    const body = encode([['alice', 'admin'], person.id, 'name']);
    for (const reply of ['_INBOX.bob.x.2', backendRecord, be('alice', 'backend-2', 'retire', 'b')]) {
      alice.nc.publish(get, body, { reply });
    }
    // the backend takes requests in order: once this one is answered, those were dropped
    expect(await request(alice.nc, get, [['alice', 'admin'], person.id, 'name'])).toBe('Guarded');
    await bob.nc.flush();
    expect(bobInbox.got).toHaveLength(0);
    expect([...(await user.getBackends()).keys()]).not.toContain('rogue');
    const log = path.join(inject('clusterDir'), 'backend-1.log');
    await until(() => (readFileSync(log, 'utf8').match(/request dropped/g) ?? []).length >= 3);
  });

  it('cannot send backend-only operations: receive, retire, adopt-state', async () => {
    const alice = await rawAs('alice');
    const s = ['alice', 'admin'];
    const record = [randomUUID(), PERSON, 'admin', encode({ name: 'Planted', age: 1 })];
    const refusals = await Promise.all([
      request(alice.nc, be('alice', 'backend-1', 'retire'), [s, [person.id], 'backend-2']).catch((e) => e),
      request(alice.nc, be('alice', 'backend-1', 'receive'), [s, 'move', [record]]).catch((e) => e),
      request(alice.nc, be('alice', 'backend-1', 'adopt-state'), [s, person.id, encode({})]).catch((e) => e),
    ]);
    for (const refusal of refusals) expect(refusal).toBeInstanceOf(PermissionDeniedError);
    const onB = await request(alice.nc, be('alice', 'backend-1', 'retire', 'b'), [s, [person.id], 'x']).catch((e) => e);
    expect(serverRefused(onB)).toBe(true);
    expect(await person.addYear()).toBe(33); // still owned by backend-1
  });

  it('cannot stop a backend (library or dataclay ctl); the admin can flush it', async () => {
    await expect(user.backend('backend-3').stop()).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(user.backend('backend-3').flushAll()).rejects.toBeInstanceOf(PermissionDeniedError);
    const alice = await rawAs('alice');
    const inUserSpace = await request(alice.nc, be('alice', 'backend-3', 'stop'), [['alice', 'admin']]).catch((e) => e);
    expect(inUserSpace).toBeInstanceOf(PermissionDeniedError);
    const env = envFor(optionsOf('alice'));
    const args = [CLI, 'ctl', 'stop', 'backend-3', '--nats', inject('natsUrl')];
    const ctl = await promisify(execFile)(process.execPath, args, { env }).catch((e) => e);
    expect(ctl.code).toBe(1);
    expect(ctl.stderr).toMatch(/^error: .*not permitted/);
    expect((await admin.backend('backend-3').stats()).id).toBe('backend-3');
    expect((await admin.backend('backend-3').flushAll()).saved).toBeGreaterThanOrEqual(0);
  });

  it('on a connection of its own cannot pose as another user: no inbox, no requests', async () => {
    const alice = await rawAs('alice');
    const posing = await new Client({ connection: alice.nc, username: 'bob' }).start();
    try {
      await expect(posing.getBackends()).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(posing.getBackends()).rejects.toThrow(/_INBOX\.bob/);
    } finally {
      await posing.stop(); // the user's client is the active one again
    }
  });

  it('cannot subscribe to everything: >, dc.>, _INBOX.> and another inbox give no data', async () => {
    const alice = await rawAs('alice');
    const taps = ['>', 'dc.>', '_INBOX.>', '_INBOX.user.>', '$KV.>'].map((s) => listen(alice.nc, s));
    await until(() => taps.every((t) => t.error() !== undefined));
    expect(await person.dcGet('name')).toBe('Guarded'); // traffic of another user
    await alice.nc.flush();
    for (const tap of taps) {
      expect(tap.error()).toBeInstanceOf(PermissionViolationError);
      expect(tap.got).toHaveLength(0);
    }
  });
});

describe('a backend', () => {
  it('receives objects from another backend identity, in the backend space, on behalf of a user', async () => {
    const spare = await rawAs('backend', inject('natsBackend'));
    const id = randomUUID();
    const record = [id, PERSON, 'admin', encode({ name: 'Shipped', age: 5 })];
    expect(
      await request(spare.nc, be('user', 'backend-2', 'receive', 'b'), [['user', 'admin'], 'move', [record]]),
    ).toBe(undefined);
    const shipped = (await Person.getById(id)) as Person;
    expect(await shipped.addYear()).toBe(6);
    // the session it vouches for must be the subject's user
    const mismatch = await request(spare.nc, be('user', 'backend-2', 'ping', 'b'), [['root', 'admin']]).catch((e) => e);
    expect(mismatch).toBeInstanceOf(PermissionDeniedError);
  });

  it('with its own user serves only its own subjects and heartbeat record', async () => {
    const { pass } = JSON.parse(readFileSync(path.join(inject('clusterDir'), 'credentials', 'creds.json'), 'utf8'))[
      'backend-1'
    ];
    const b1 = await rawAs('backend-1', { servers: inject('natsUrl'), pass });
    const other = listen(b1.nc, `dc.${NS}.*.*.be.backend-2.*`);
    b1.nc.publish(`$KV.dc_${NS}_backends.backend-2`, encode({ id: 'backend-2' }));
    await b1.refused(`$KV.dc_${NS}_backends.backend-2`);
    await until(() => other.error() !== undefined);
    expect(other.error()).toBeInstanceOf(PermissionViolationError);
  });
});

/** Runs `fn` with a client of `name` as the active one; the previous active client is active again after. */
async function as<T>(name: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const options = name === 'admin' ? inject('natsAdmin') : optionsOf(name);
  const client = await new Client(options).start();
  try {
    return await fn(client);
  } finally {
    await client.stop();
  }
}

describe('datasets as access boundaries', () => {
  const ds = `sec-${randomUUID().slice(0, 8)}`;
  const other = `${ds}-other`;
  const alias = `doc-${randomUUID().slice(0, 8)}`;
  let doc: Person;

  beforeAll(async () => {
    await as('admin', async (a) => {
      const made = await a.datasets().create(ds);
      expect(made).toMatchObject({ name: ds, owner: 'admin' });
      await a.datasets().create(other);
      await a.datasets().grant(ds, 'alice', 'rw');
      await a.datasets().grant(ds, 'bob', 'r');
    });
    doc = await as('alice', async (alice) => {
      const p = new Person('Secret', 50);
      await alice.run({ dataset: ds }, () => p.makePersistent({ alias, backendId: 'backend-1' }));
      return p;
    });
  });

  it('a user with rw reads, writes and calls; with r only reads; without a grant nothing, not even an alias', async () => {
    await as('alice', async () => {
      expect(await doc.addYear()).toBe(51);
      await doc.dcSet('name', 'Secret too');
    });
    await as('bob', async (bob) => {
      const found = await bob.run({ dataset: ds }, () => Person.getByAlias(alias));
      expect(found).toBe(doc); // the one instance of the process
      expect(await doc.dcGet('name')).toBe('Secret too');
      await expect(doc.dcSet('name', 'Mine')).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(doc.addYear()).rejects.toBeInstanceOf(PermissionDeniedError);
      const p = new Person('Intruder', 1);
      await expect(bob.run({ dataset: ds }, () => p.makePersistent())).rejects.toBeInstanceOf(PermissionDeniedError);
    });
    // `user` has no grant: every use of the object, its aliases and the dataset is refused
    const err = await user.run({ dataset: ds }, () => Person.getByAlias(alias)).catch((e) => e);
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect(err.data).toMatchObject({ user: 'user', dataset: ds });
    await expect(user.run({ dataset: ds }, () => Person.getByAlias('no-such-alias'))).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
    expect(await Person.getById(doc.id)).toBe(doc); // the process has it already: holding it grants nothing
    const userRaw = await rawAs('user', inject('natsUser'));
    const record = await request(userRaw.nc, md('user', 'object'), { s: ['user', 'admin'], id: doc.id }).catch(
      (e) => e,
    );
    expect(record).toBeInstanceOf(PermissionDeniedError);
    await expect(doc.dcGet('name')).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(doc.getAliases()).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(doc.addAlias('mine')).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(user.run({ dataset: ds }, () => Person.deleteAlias(alias))).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
  });

  it('a nested call is checked on the other backend with the original caller; a reference grants nothing', async () => {
    const [a, hidden] = await as('admin', async (admin) => {
      const target = new Counter();
      await admin.run({ dataset: other }, () => target.makePersistent({ backendId: 'backend-2' }));
      const holder = new Holder();
      holder.ref = target;
      const caller = new Counter();
      await admin.run({ dataset: ds }, async () => {
        await holder.makePersistent({ alias: `${alias}-holder`, backendId: 'backend-1' });
        await caller.makePersistent({ backendId: 'backend-1' });
      });
      return [caller, target] as const;
    });
    await as('alice', async (alice) => {
      const holder = (await alice.run({ dataset: ds }, () => Holder.getByAlias(`${alias}-holder`))) as Holder;
      const ref = (await holder.dcGet('ref')) as Counter; // alice may read the holder: she gets the reference
      expect(ref.id).toBe(hidden.id);
      await expect(ref.whoAmI()).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(a.whoAmI(ref)).rejects.toBeInstanceOf(PermissionDeniedError); // from backend-1 to backend-2
      expect(await a.whoAmI()).toEqual([{ username: 'alice', dataset: 'admin' }]);
    });
  });

  it('a revocation applies at once; users cannot grant themselves', async () => {
    await as('bob', async (bob) => {
      expect(await doc.dcGet('age')).toBe(51);
      await expect(bob.datasets().grant(ds, 'bob', 'rw')).rejects.toBeInstanceOf(PermissionDeniedError);
      const raw = await rawAs('bob');
      const selfGrant = { s: ['bob', 'admin'], dataset: ds, user: 'bob', level: 'rw' };
      await expect(request(raw.nc, md('bob', 'grant.set'), selfGrant)).rejects.toBeInstanceOf(PermissionDeniedError);
      await admin.datasets().revoke(ds, 'bob');
      await until(async () => (await doc.dcGet('age').catch((e) => e)) instanceof PermissionDeniedError, 2_000);
      await admin.datasets().grant(ds, 'bob', 'r');
      await until(async () => (await doc.dcGet('age').catch(() => -1)) === 51, 2_000);
    });
    expect(await admin.datasets().grants(ds)).toEqual([
      { dataset: ds, user: 'admin', level: 'rw' },
      { dataset: ds, user: 'alice', level: 'rw' },
      { dataset: ds, user: 'bob', level: 'r' },
    ]);
    expect((await admin.datasets().list()).map((d) => d.name)).toEqual(expect.arrayContaining([ds, other, 'admin']));
  });

  it('dataclay ctl manages datasets and grants, as an admin only', async () => {
    const name = `${ds}-ctl`;
    const run = (as: NatsConnectOptions, ...args: string[]) =>
      promisify(execFile)(process.execPath, [CLI, 'ctl', ...args, '--nats', inject('natsUrl')], { env: envFor(as) });
    expect((await run(inject('natsAdmin'), 'dataset', 'create', name, '--public', 'r')).stdout).toMatch(/created/);
    expect((await run(inject('natsAdmin'), 'grant', 'set', name, 'alice', 'rw')).stdout).toMatch(/alice rw/);
    const listed = (await run(inject('natsAdmin'), 'grant', 'list', name)).stdout;
    expect(listed).toMatch(new RegExp(`${name}\\s+alice\\s+rw`));
    expect((await run(inject('natsAdmin'), 'dataset', 'list')).stdout).toMatch(new RegExp(`${name}\\s+admin\\s+r`));
    const refused = await run(optionsOf('alice'), 'grant', 'set', name, 'alice', 'rw').catch((e) => e);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: .*not permitted/);
    expect((await run(inject('natsAdmin'), 'dataset', 'delete', name)).stdout).toMatch(/deleted/);
  });
});

describe('an admin', () => {
  it('stops a backend, with dataclay ctl', async () => {
    await using cluster = await DevCluster.start({ models: TEST_MODELS, backends: 1, namespace: 'sec-stop' });
    expect(cluster.secured).toBe(true);
    // strict datasets by default: the dataset `admin` is there for the client user, one nobody created is not
    {
      await using c = await new Client({ ...cluster.connectOptionsFor('user'), namespace: 'sec-stop' }).start();
      await new Person('Allowed', 1).makePersistent();
      const elsewhere = new Person('Nowhere', 1);
      await expect(c.run({ dataset: 'undeclared' }, () => elsewhere.makePersistent())).rejects.toBeInstanceOf(
        PermissionDeniedError,
      );
    }
    const env = envFor(cluster.connectOptions);
    const args = [CLI, 'ctl', 'stop', 'backend-1', '--nats', cluster.natsUrl, '--namespace', 'sec-stop'];
    const { stdout } = await promisify(execFile)(process.execPath, args, { env });
    expect(stdout).toMatch(/backend-1: stopping/);
    await using c = await new Client({ ...cluster.connectOptionsFor('user'), namespace: 'sec-stop' }).start();
    const live = async () => (await c.getBackends().catch(() => new Map())).size;
    await until(async () => (await live()) === 0, 10_000); // it deregistered and left
  });
});

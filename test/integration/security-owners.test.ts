// Dataset owners (issue 12, docs/security.md "Datasets and grants"): the owner an admin names when creating a dataset
// may grant, revoke and list grants on that dataset, and on no other; creating and deleting datasets stay an admin's.
// Against the shared secured cluster (real nats-server and backends), through the library and `dataclay ctl`.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, type NatsConnectOptions, PermissionDeniedError } from '../../src/index.js';
import { Person } from '../models/index.js';
import { adminClient, envFor, waitFor } from '../setup/helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function optionsOf(user: string): NatsConnectOptions {
  const pass = readFileSync(path.join(inject('clusterDir'), 'credentials', `${user}.password`), 'utf8').trim();
  return { servers: inject('natsUrl'), user, pass };
}

/** Runs `fn` with a client of `name` as the active one. */
async function as<T>(name: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await new Client(name === 'admin' ? inject('natsAdmin') : optionsOf(name)).start();
  try {
    return await fn(client);
  } finally {
    await client.stop();
  }
}

const hers = `alice-${randomUUID().slice(0, 8)}`; // owned by alice
const notHers = `${hers}-admin`; // owned by the admin
let admin: Client;
let doc: Person;

beforeAll(async () => {
  admin = await adminClient();
  expect(await admin.datasets().create(hers, { owner: 'alice' })).toMatchObject({ owner: 'alice' });
  await admin.datasets().create(notHers);
  doc = await as('alice', async (alice) => {
    const p = new Person('Hers', 1);
    await alice.run({ dataset: hers }, () => p.makePersistent({ backendId: 'backend-2' }));
    return p;
  });
});

afterAll(async () => {
  await admin?.stop();
});

describe('a dataset owner', () => {
  it('grants, lists and revokes on its dataset; the grantee reads, then no longer', async () => {
    await as('alice', async (alice) => {
      await alice.datasets().grant(hers, 'bob', 'r');
      expect(await alice.datasets().grants(hers)).toEqual([
        { dataset: hers, user: 'alice', level: 'rw' },
        { dataset: hers, user: 'bob', level: 'r' },
      ]);
      // every grant she may see: those of her datasets only
      expect((await alice.datasets().grants()).every((g) => g.dataset === hers)).toBe(true);
    });
    await as('bob', async () => {
      expect(await waitFor(() => doc.dcGet('name').catch(() => undefined), { what: 'the grant' })).toBe('Hers');
      await expect(doc.dcSet('name', 'Bob’s')).rejects.toBeInstanceOf(PermissionDeniedError);
    });
    await as('alice', (alice) => alice.datasets().revoke(hers, 'bob'));
    await as('bob', async () => {
      const refused = await waitFor(() => doc.dcGet('name').catch((e) => e), {
        until: (v) => v instanceof PermissionDeniedError,
        what: 'the revocation',
      });
      expect(refused.data).toMatchObject({ user: 'bob', dataset: hers });
    });
  });

  it('may not grant on a dataset it does not own, nor on one that does not exist, nor manage datasets', async () => {
    await as('alice', async (alice) => {
      const other = await alice
        .datasets()
        .grant(notHers, 'alice', 'rw')
        .catch((e) => e);
      expect(other).toBeInstanceOf(PermissionDeniedError);
      expect(other.data).toMatchObject({ user: 'alice', dataset: notHers });
      const missing = await alice
        .datasets()
        .grant(`${hers}-none`, 'alice', 'rw')
        .catch((e) => e);
      expect(missing).toBeInstanceOf(PermissionDeniedError); // the same answer: no oracle of dataset names
      await expect(alice.datasets().grants(notHers)).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(alice.datasets().delete(hers)).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(alice.datasets().create(`${hers}-new`)).rejects.toBeInstanceOf(PermissionDeniedError);
    });
    // a grantee with rw is not an owner
    await as('alice', (alice) => alice.datasets().grant(hers, 'bob', 'rw'));
    await as('bob', async (bob) => {
      await expect(bob.datasets().grant(hers, 'user', 'r')).rejects.toBeInstanceOf(PermissionDeniedError);
    });
    expect((await admin.datasets().grants(notHers)).map((g) => g.user)).toEqual(['admin']);
    expect((await admin.datasets().grants(hers)).map((g) => g.user)).toEqual(['alice', 'bob']);
  });

  it('uses dataclay ctl grant like an admin, on its own datasets', async () => {
    const run = (who: NatsConnectOptions, ...args: string[]) =>
      promisify(execFile)(process.execPath, [CLI, 'ctl', ...args, '--nats', inject('natsUrl')], { env: envFor(who) });
    expect((await run(optionsOf('alice'), 'grant', 'set', hers, 'user', 'r')).stdout).toMatch(/user r/);
    expect((await run(optionsOf('alice'), 'grant', 'list', hers)).stdout).toMatch(new RegExp(`${hers}\\s+user\\s+r`));
    const refused = await run(optionsOf('alice'), 'grant', 'set', notHers, 'user', 'r').catch((e) => e);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: .*alice does not own dataset/);
  });
});

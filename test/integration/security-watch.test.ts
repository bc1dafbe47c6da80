// A backend that cannot be sure its grants are current refuses what needs a grant, with GrantsUnavailableError,
// instead of answering from a stale copy; it serves again once a fresh watch has reloaded them (issue 12,
// docs/security.md "Fail closed"). On a secured cluster of its own (real nats-server, one real backend), the grants
// bucket is made unreachable for the backend (its permissions narrowed by a config reload), then deleted and made
// anew by a superuser the test adds to the server. And the backend's metrics listen on loopback only.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Kvm } from '@nats-io/kv';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DevCluster, GrantsUnavailableError, PermissionDeniedError } from '../../src/index.js';
import { Person } from '../models/index.js';
import { waitFor } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

const NS = 'sec-watch';
const GRANTS = `dc_${NS}_grants`;

let cluster: DevCluster;
let user: Client;
let person: Person;

beforeAll(async () => {
  cluster = await DevCluster.start({
    models: TEST_MODELS,
    backends: 1,
    namespace: NS,
    backendArgs: ['--metrics-port', '0'],
  });
  user = await new Client({ ...cluster.connectOptionsFor('user'), namespace: NS }).start();
  person = new Person('Watched', 1);
  await person.makePersistent(); // in the dataset `admin`, where the cluster granted `user` rw
});

afterAll(async () => {
  await user?.stop();
  await cluster?.stop();
});

/** The error a read of the person gets now, or its name. */
const readNow = () => person.dcGet('name').catch((e: unknown) => e);

/** Rewrites the server's users.conf with `edit` applied (the test's own change, outside `ctl user`) and reloads. */
async function editUsersConf(edit: (text: string) => string): Promise<void> {
  const file = cluster.nats.usersFile!.confPath;
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  await cluster.nats.reload();
}

/** The users.conf that users.json says, as `ctl user` writes it. */
async function restoreUsersConf(): Promise<void> {
  const users = cluster.nats.usersFile!;
  users.write(users.read());
  await cluster.nats.reload();
}

describe('a backend whose grants may be stale', () => {
  it('refuses with GrantsUnavailableError while the grants bucket is unreachable, and serves again after', async () => {
    expect(await readNow()).toBe('Watched');
    // backend-1 loses every permission on the grants bucket; everything else stays
    await editUsersConf((text) =>
      text
        .split('\n')
        .map((line) =>
          line.includes('user: "backend-1"') ? line.replace(new RegExp(`"[^"]*${GRANTS}[^"]*",? ?`, 'g'), '') : line,
        )
        .join('\n'),
    );
    const refused = await waitFor(readNow, { until: (v) => v instanceof GrantsUnavailableError, what: 'refusal' });
    expect((refused as GrantsUnavailableError).message).toMatch(/unreachable/);
    // whatever the request needs a grant for: a new object too
    await expect(new Person('Meanwhile', 1).makePersistent()).rejects.toBeInstanceOf(GrantsUnavailableError);
    await restoreUsersConf();
    expect(await waitFor(readNow, { until: (v) => v === 'Watched', what: 'served again' })).toBe('Watched');
  });

  it('rebuilds from nothing when the bucket is deleted and made anew: no old grant survives', async () => {
    const pass = randomBytes(12).toString('hex');
    await editUsersConf((text) => text.replace('users: [\n', `users: [\n    { user: "root", password: "${pass}" }\n`));
    const root = await connect({ servers: cluster.natsUrl, user: 'root', pass });
    try {
      const jsm = await jetstreamManager(root);
      await jsm.streams.delete(`KV_${GRANTS}`);
      const gone = await waitFor(readNow, { until: (v) => v instanceof GrantsUnavailableError, what: 'refusal' });
      expect(gone).toBeInstanceOf(GrantsUnavailableError);
      await new Kvm(root).create(GRANTS, { history: 1 });
      // the fresh copy is empty: the grant `user` had on `admin` went with the bucket (strict: refused, not stale)
      const denied = await waitFor(readNow, { until: (v) => v instanceof PermissionDeniedError, what: 'a fresh copy' });
      expect((denied as PermissionDeniedError).data).toMatchObject({ user: 'user', dataset: 'admin' });
    } finally {
      await root.close();
    }
    await restoreUsersConf(); // root is gone again
    {
      await using admin = await new Client({ ...cluster.connectOptions, namespace: NS }).start();
      await admin.datasets().create('admin');
      await admin.datasets().grant('admin', 'user', 'rw');
    }
    expect(await waitFor(readNow, { until: (v) => v === 'Watched', what: 'granted again' })).toBe('Watched');
  });
});

describe('the metrics endpoint', () => {
  it('listens on 127.0.0.1 only unless told otherwise', async () => {
    const url = new URL((await user.getBackends()).get('backend-1')!.metricsUrl!);
    expect(url.hostname).toBe('127.0.0.1');
    expect((await fetch(url)).status).toBe(200);
    // a socket on every interface would take 127.0.0.2 too; one bound to 127.0.0.1 does not
    const elsewhere = await fetch(`http://127.0.0.2:${url.port}/metrics`).catch((e) => e);
    expect(elsewhere).toBeInstanceOf(TypeError);
    expect((elsewhere as TypeError & { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
  });
});

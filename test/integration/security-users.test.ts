// Users of the secured nats-server (issue 12, docs/security.md "Users"): `DevCluster.addUser` and `dataclay ctl user`
// rewrite the users file the server's config includes and reload the server; passwords are stored as bcrypt hashes.
// Against a cluster of its own (real nats-server, one real backend): a new user connects, a new password invalidates
// the old one, a removed user is refused, and only whoever may write the config (the operator) can do any of it.
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection, PermissionViolationError } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  Client,
  DevCluster,
  InvalidOptionError,
  type NatsConnectOptions,
  NatsConnectionError,
  PermissionDeniedError,
  UserExistsError,
  UserNotFoundError,
} from '../../src/index.js';
import { Person } from '../models/index.js';
import { tempDir, waitFor } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const NS = 'sec-users';

let cluster: DevCluster;

beforeAll(async () => {
  cluster = await DevCluster.start({ models: TEST_MODELS, backends: 1, namespace: NS });
});

afterAll(async () => {
  await cluster?.stop();
});

/** A raw connection as `options`' user, or the error the server gave. */
async function rawConnect(options: NatsConnectOptions): Promise<NatsConnection> {
  const { user, pass } = options;
  return connect({ servers: cluster.natsUrl, user, pass, reconnect: false, inboxPrefix: `_INBOX.${user}` });
}

/**
 * True if the server refuses these credentials, false if a client connects with them; a connection that times out
 * (a loaded machine misses the server's 2 s auth timeout) is tried again, any other error throws.
 */
async function refusedLogin({ user, pass }: NatsConnectOptions): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const client = new Client({ servers: cluster.natsUrl, user, pass, namespace: NS });
    const err = await client.start().then(
      (c) => c.stop(),
      (e) => e,
    );
    if (err instanceof NatsConnectionError && attempt < 5) continue;
    if (err !== undefined && !(err instanceof AuthenticationError)) throw err;
    return err instanceof AuthenticationError;
  }
}

/** `dataclay ctl user ...` as this process's user (root in CI: whoever may write the config), with `input` on stdin. */
function ctlUser(args: string[], input?: string, as?: { uid: number; gid: number }, config = cluster.nats.configFile) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, 'ctl', 'user', ...args, '--nats-config', config], {
      env: { ...process.env, DC_NATS_URL: cluster.natsUrl },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...as,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

const usersJson = () => path.join(cluster.nats.dir, 'users.json');
const usersConf = () => path.join(cluster.nats.dir, 'users.conf');

describe('DevCluster.addUser, setPassword, removeUser', () => {
  it('a new user connects at once, with its password stored as a bcrypt hash; it has no grant yet', async () => {
    const carol = await cluster.addUser('carol');
    const stored = JSON.parse(readFileSync(usersJson(), 'utf8')).users.find(
      (u: { name: string }) => u.name === 'carol',
    );
    expect(stored).toMatchObject({ role: 'client', name: 'carol' });
    expect(stored.password).toMatch(/^\$2[ab]\$11\$/);
    for (const file of [usersJson(), usersConf(), cluster.nats.configFile]) {
      expect(readFileSync(file, 'utf8')).not.toContain(carol.pass!);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(cluster.credentials!.passwordFile('carol'), 'utf8').trim()).toBe(carol.pass);
    await using client = await new Client({ ...carol, namespace: NS }).start();
    expect([...(await client.getBackends()).keys()]).toEqual(['backend-1']);
    // strict datasets: nothing until an admin grants it
    await expect(new Person('Carol', 1).makePersistent()).rejects.toBeInstanceOf(PermissionDeniedError);
    {
      await using admin = await new Client({ ...cluster.connectOptions, namespace: NS }).start();
      await admin.datasets().grant('admin', 'carol', 'rw');
    }
    const mine = new Person('Carol', 2);
    await waitFor(
      () =>
        mine.makePersistent().then(
          () => true,
          () => false,
        ),
      { what: 'the grant applied' },
    );
    expect(await mine.addYear()).toBe(3);
  });

  it('dataClay’s username and password (DC_USERNAME, DC_PASSWORD) are that NATS login', async () => {
    const { pass } = await cluster.addUser('kim', { cost: 4 });
    {
      await using kim = await new Client({
        servers: cluster.natsUrl,
        username: 'kim',
        password: pass,
        namespace: NS,
      }).start();
      expect(kim.options.username).toBe('kim');
      expect(JSON.stringify([kim.options, kim.exportContext()])).not.toContain(pass!);
      expect([...(await kim.getBackends()).keys()]).toEqual(['backend-1']);
    }
    const saved = { ...process.env };
    Object.assign(process.env, { DC_USERNAME: 'kim', DC_PASSWORD: pass });
    try {
      await using fromEnv = await new Client({ servers: cluster.natsUrl, namespace: NS }).start();
      expect(fromEnv.options.username).toBe('kim');
      process.env.DC_PASSWORD = 'not-kims-password';
      await expect(new Client({ servers: cluster.natsUrl, namespace: NS }).start()).rejects.toBeInstanceOf(
        AuthenticationError,
      );
    } finally {
      process.env = saved;
    }
  });

  it('a new password invalidates the old one and closes the connections made with it', async () => {
    const old = await cluster.addUser('dan', { password: 'dan-first-password', cost: 4 });
    const open = await rawConnect(old);
    const renewed = await cluster.setPassword('dan', { cost: 4 });
    expect(renewed.pass).not.toBe(old.pass);
    expect(await refusedLogin(old)).toBe(true);
    expect(await refusedLogin(renewed)).toBe(false);
    await waitFor(() => open.isClosed(), { what: 'the old connection closed' });
  });

  it('a removed user is refused, and its connections close', async () => {
    const erin = await cluster.addUser('erin', { cost: 4 });
    const open = await rawConnect(erin);
    await cluster.removeUser('erin');
    expect(await refusedLogin(erin)).toBe(true);
    await waitFor(() => open.isClosed(), { what: 'the connection closed' });
    expect(() => cluster.connectOptionsFor('erin')).toThrow(InvalidOptionError);
  });

  it('bad requests get typed errors and change nothing', async () => {
    const before = readFileSync(usersJson(), 'utf8');
    await expect(cluster.addUser('user')).rejects.toBeInstanceOf(UserExistsError);
    await expect(cluster.setPassword('nobody-here')).rejects.toBeInstanceOf(UserNotFoundError);
    await expect(cluster.removeUser('nobody-here')).rejects.toBeInstanceOf(UserNotFoundError);
    await expect(cluster.addUser('a.b')).rejects.toBeInstanceOf(InvalidOptionError); // a subject token widens
    await expect(cluster.addUser('*')).rejects.toBeInstanceOf(InvalidOptionError);
    const short = await cluster.addUser('frank', { password: 'short' }).catch((e) => e);
    expect(short).toBeInstanceOf(InvalidOptionError);
    expect(short.message).not.toContain('short'); // a secret is never shown
    await expect(cluster.addUser('gina', { cost: 3 })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(cluster.removeUser('admin')).rejects.toThrow(/last admin/);
    expect(readFileSync(usersJson(), 'utf8')).toBe(before);
    expect(await refusedLogin(cluster.connectOptions)).toBe(false); // the admin still connects
  });
});

describe('dataclay ctl user', () => {
  it('adds (password from stdin), lists, changes (a generated one, shown once) and removes a user', async () => {
    const added = await ctlUser(['add', 'hank', '--password-stdin', '--bcrypt-cost', '4'], 'hank-password-1\n');
    expect(added.stderr).toBe('');
    expect(added.stdout).toMatch(/user hank: added \(client\)/);
    expect(added.stdout).toMatch(/accepts hank's new password/);
    expect(added.stdout).not.toContain('hank-password-1');
    const hank = { user: 'hank', pass: 'hank-password-1' };
    expect(await refusedLogin(hank)).toBe(false);

    const listed = await ctlUser(['list']);
    expect(listed.stdout).toMatch(/hank\s+client\s+bcrypt/);
    expect(listed.stdout).toMatch(/admin\s+admin\s+plain/); // the dev cluster's own identities: see security.md

    const changed = await ctlUser(['passwd', 'hank', '--bcrypt-cost', '4']);
    const pass = /password \(shown once\): (\S+)/.exec(changed.stdout)?.[1];
    expect(pass).toBeDefined();
    expect(await refusedLogin(hank)).toBe(true);
    expect(await refusedLogin({ user: 'hank', pass })).toBe(false);

    const out = path.join(tempDir('ctl-user'), 'ida.password');
    const ida = await ctlUser(['add', 'ida', '--role', 'admin', '--password-out', out, '--bcrypt-cost', '4']);
    expect(ida.stdout).toMatch(/written to/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const idaPass = readFileSync(out, 'utf8').trim();
    expect(ida.stdout).not.toContain(idaPass);
    {
      await using idaClient = await new Client({
        user: 'ida',
        pass: idaPass,
        servers: cluster.natsUrl,
        namespace: NS,
      }).start();
      expect((await idaClient.backend('backend-1').stats()).id).toBe('backend-1'); // an admin's operation
    }

    const removed = await ctlUser(['remove', 'hank']);
    expect(removed.stdout).toMatch(/user hank: removed/);
    await waitFor(() => refusedLogin({ user: 'hank', pass }), { what: 'hank refused after the reload' });
    const again = await ctlUser(['remove', 'hank']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: no user hank/);
  });

  it('whoever may not write the config cannot manage users, and no NATS identity can reach the server’s own subjects', async () => {
    const before = readFileSync(usersJson(), 'utf8');
    const root = process.getuid?.() === 0;
    // as root, the command runs as `nobody`, which cannot read the 0700 cluster dir; as another user, a config it
    // may not read (root would read it whatever its mode)
    if (!root) chmodSync(cluster.nats.configFile, 0o000);
    try {
      const refused = await ctlUser(
        ['add', 'mallory', '--password-stdin'],
        'mallory-password',
        root ? { uid: 65534, gid: 65534 } : undefined,
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^error: .*permission denied/);
    } finally {
      if (!root) chmodSync(cluster.nats.configFile, 0o600);
    }
    expect(readFileSync(usersJson(), 'utf8')).toBe(before);
    // nats-server 2.9 manages users only through its config: no account here has the system subjects
    for (const who of [cluster.connectOptionsFor('user'), cluster.connectOptions]) {
      const nc = await rawConnect(who);
      const violations: PermissionViolationError[] = [];
      void (async () => {
        for await (const s of nc.status())
          if (s.type === 'error' && s.error instanceof PermissionViolationError) violations.push(s.error);
      })();
      nc.publish('$SYS.REQ.SERVER.PING');
      await waitFor(() => violations.some((v) => v.subject === '$SYS.REQ.SERVER.PING'), {
        what: 'the publish refused',
      });
      await nc.close();
    }
  });

  it('a config that does not include the users file is refused with a clear error', async () => {
    const config = path.join(tempDir('ctl-user-conf'), 'nats-server.conf');
    writeFileSync(config, 'port: 4222\n');
    const err = await ctlUser(['list'], undefined, undefined, config);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/include "users.conf"/);
    const missing = await ctlUser(['list'], undefined, undefined, `${config}.missing`);
    expect(missing.stderr).toMatch(/no such file/);
  });
});

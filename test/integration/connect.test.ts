// Connecting to secured NATS servers (user/pass, token, nkey, creds, TLS), nats.js failures as our errors, and
// secrets kept out of contexts, messages and command lines. Every server is a real nats-server started here.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { Worker } from 'node:worker_threads';
import { connect, nkeys } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  Backend,
  Client,
  type ClientOptions,
  DevCluster,
  InvalidOptionError,
  JetStreamNotEnabledError,
  NatsConnectionError,
} from '../../src/index.js';
import { NatsServer } from '../../src/internal.js';
import { Person } from '../models/index.js';
import { makeOperator } from '../setup/jwt.js';
import { TEST_MODELS } from '../setup/models.js';
import { makeCertificates } from '../setup/tls.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const PASSWORD = 'pw-7f3a-do-not-print';
const TOKEN = 'tok-91c2-do-not-print';

const dirs: string[] = [];
const servers: NatsServer[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

function secretFile(content: string): string {
  const file = path.join(tempDir('dc-secret-'), 'secret');
  writeFileSync(file, `${content}\n`, { mode: 0o600 });
  return file;
}

async function natsServer(options: Omit<Parameters<typeof NatsServer.start>[0], 'dir'> = {}): Promise<NatsServer> {
  const server = await NatsServer.start({ dir: tempDir('dc-nats-'), ...options });
  servers.push(server);
  return server;
}

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** 'connected' once a client with these options started (then stopped), else the error it failed with. */
async function connectWith(options: ClientOptions): Promise<unknown> {
  try {
    const client = await new Client(options).start();
    await client.stop();
    return 'connected';
  } catch (err) {
    return err;
  }
}

async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('user and password', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await natsServer({ auth: { user: 'alice', pass: PASSWORD } });
  });

  it('connect from options, from a URL with userinfo, and from DC_NATS_* variables', async () => {
    expect(await connectWith({ servers: server.url, user: 'alice', pass: PASSWORD })).toBe('connected');
    expect(await connectWith({ servers: `nats://alice:${PASSWORD}@127.0.0.1:${server.port}` })).toBe('connected');
    const env = { DC_NATS_URL: server.url, DC_NATS_USER: 'alice' };
    expect(await withEnv({ ...env, DC_NATS_PASSWORD: PASSWORD }, () => connectWith({}))).toBe('connected');
    expect(await withEnv({ ...env, DC_NATS_PASSWORD_FILE: secretFile(PASSWORD) }, () => connectWith({}))).toBe(
      'connected',
    );
  });

  it('a wrong or missing password is an AuthenticationError that names the server, not the password', async () => {
    const wrong = (await connectWith({
      servers: `nats://alice:x${PASSWORD}@127.0.0.1:${server.port}`,
    })) as AuthenticationError;
    expect(wrong).toBeInstanceOf(AuthenticationError);
    expect(wrong.cause).toMatchObject({ name: 'AuthorizationError' });
    expect(wrong.data.servers).toEqual([server.url]);
    expect(wrong.message).not.toContain(PASSWORD);
    expect(await connectWith({ servers: server.url })).toBeInstanceOf(AuthenticationError);
    expect(await connectWith({ servers: server.url, user: 'bob', pass: PASSWORD })).toBeInstanceOf(AuthenticationError);
  });
});

describe('token', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await natsServer({ auth: { token: TOKEN } });
  });

  it('connects with the token from options, a URL, or a file named by DC_NATS_TOKEN_FILE', async () => {
    expect(await connectWith({ servers: server.url, token: TOKEN })).toBe('connected');
    expect(await connectWith({ servers: `nats://${TOKEN}@127.0.0.1:${server.port}` })).toBe('connected');
    const env = { DC_NATS_URL: server.url, DC_NATS_TOKEN_FILE: secretFile(TOKEN) };
    expect(await withEnv(env, () => connectWith({}))).toBe('connected');
  });

  it('a wrong token is an AuthenticationError', async () => {
    const err = (await connectWith({ servers: server.url, token: `x${TOKEN}` })) as Error;
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.message).not.toContain(TOKEN);
  });
});

describe('nkey', () => {
  const seed = text(nkeys.createUser().getSeed());
  let server: NatsServer;
  beforeAll(async () => {
    server = await natsServer({ auth: { nkeySeed: seed } });
  });

  it('connects with the seed from options or DC_NATS_NKEY', async () => {
    expect(await connectWith({ servers: server.url, nkeySeed: seed })).toBe('connected');
    expect(await withEnv({ DC_NATS_URL: server.url, DC_NATS_NKEY: seed }, () => connectWith({}))).toBe('connected');
  });

  it('another user is refused; what is not a user seed is an InvalidOptionError that does not show it', async () => {
    const other = text(nkeys.createUser().getSeed());
    expect(await connectWith({ servers: server.url, nkeySeed: other })).toBeInstanceOf(AuthenticationError);
    for (const bad of ['SUnot-a-seed', text(nkeys.createAccount().getSeed())]) {
      const err = (await connectWith({ servers: server.url, nkeySeed: bad })) as InvalidOptionError;
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect(err.data.option).toBe('nkeySeed');
      expect(err.message).not.toContain(bad);
    }
  });
});

describe('credentials file (JWT)', () => {
  const operator = makeOperator();
  let server: NatsServer;
  let creds: string;
  beforeAll(async () => {
    server = await natsServer({ jetstream: false, config: operator.config });
    creds = path.join(tempDir('dc-creds-'), 'user.creds');
    operator.writeCreds(creds);
  });

  it('connects with a creds file from options or DC_NATS_CREDS', async () => {
    expect(await connectWith({ servers: server.url, credsFile: creds })).toBe('connected');
    expect(await withEnv({ DC_NATS_URL: server.url, DC_NATS_CREDS: creds }, () => connectWith({}))).toBe('connected');
  });

  it("another operator's user is refused; a missing file is an InvalidOptionError", async () => {
    const foreign = path.join(tempDir('dc-creds-'), 'foreign.creds');
    makeOperator().writeCreds(foreign);
    expect(await connectWith({ servers: server.url, credsFile: foreign })).toBeInstanceOf(AuthenticationError);
    const missing = (await connectWith({ servers: server.url, credsFile: `${creds}.gone` })) as InvalidOptionError;
    expect(missing).toBeInstanceOf(InvalidOptionError);
    expect(missing.data.option).toBe('credsFile');
  });
});

describe('TLS', () => {
  let server: NatsServer;
  let certs: ReturnType<typeof makeCertificates>;
  beforeAll(async () => {
    certs = makeCertificates(tempDir('dc-tls-'));
    server = await natsServer({
      tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, verify: true },
    });
  });

  it('connects with the CA and a client certificate, from options or DC_NATS_TLS_*', async () => {
    const tls = { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey };
    expect(await connectWith({ servers: server.url, tls })).toBe('connected');
    const env = {
      DC_NATS_URL: server.url,
      DC_NATS_TLS_CA: certs.ca,
      DC_NATS_TLS_CERT: certs.clientCert,
      DC_NATS_TLS_KEY: certs.clientKey,
    };
    expect(await withEnv(env, () => connectWith({}))).toBe('connected');
  });

  it('without the CA, or with another CA, a NatsConnectionError says to check the TLS settings', async () => {
    const other = makeCertificates(tempDir('dc-tls-'));
    for (const tls of [undefined, { ca: other.ca, cert: other.clientCert, key: other.clientKey }]) {
      const err = (await connectWith({ servers: server.url, tls })) as NatsConnectionError;
      expect(err).toBeInstanceOf(NatsConnectionError);
      expect(err.data.hint).toMatch(/TLS/);
      expect(err.cause).toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    }
    const half = (await connectWith({ servers: server.url, tls: { cert: certs.clientCert } })) as InvalidOptionError;
    expect(half).toBeInstanceOf(InvalidOptionError);
  });
});

describe('nats.js failures are our errors, with what to do', () => {
  it('nothing listening: a NatsConnectionError with the hint, at once (the first connect does not retry)', async () => {
    const ports = [await deadPort(), await deadPort()];
    const started = Date.now();
    const err = (await connectWith({ servers: ports.map((p) => `127.0.0.1:${p}`) })) as NatsConnectionError;
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(err).toBeInstanceOf(NatsConnectionError);
    expect(err.message).toContain('connection refused');
    expect(err.data.hint).toMatch(/dataclay dev/);
    expect(err.data.servers).toEqual(ports.map((p) => `nats://127.0.0.1:${p}`));
    expect(err.cause).toMatchObject({ name: 'ConnectionError' });
  });

  it('a bad URL is an InvalidOptionError on servers, with any password in it redacted', () => {
    for (const url of [`nats://alice:${PASSWORD}@:::1:x`, 'http://127.0.0.1:4222', 'nats://127.0.0.1:4222,']) {
      let err: unknown;
      try {
        new Client({ servers: url });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect((err as InvalidOptionError).data.option).toBe('servers');
      expect(inspect(err, { depth: 5 })).not.toContain(PASSWORD); // message, data and cause
    }
  });

  it('a server without JetStream: the backend fails to start with JetStreamNotEnabledError', async () => {
    const server = await natsServer({ jetstream: false });
    const started = Backend.start({
      servers: server.url,
      models: [],
      storage: tempDir('dc-store-'),
      namespace: 'nojs',
    });
    const err = await started.catch((e) => e);
    expect(err).toBeInstanceOf(JetStreamNotEnabledError);
    expect(err.cause).toMatchObject({ name: 'JetStreamNotEnabled' });
  });

  it('a backend that fails to start leaves no storage directory it made, and keeps one it was given', async () => {
    const server = await natsServer({ jetstream: false });
    const parent = tempDir('dc-store-');
    const fresh = path.join(parent, 'fresh');
    const failed = (storage: string) =>
      Backend.start({ servers: server.url, models: [], storage, namespace: 'nojs' }).catch((e) => e);
    expect(await failed(fresh)).toBeInstanceOf(JetStreamNotEnabledError);
    expect(existsSync(fresh)).toBe(false);
    expect(await failed(parent)).toBeInstanceOf(JetStreamNotEnabledError);
    expect(existsSync(parent)).toBe(true); // the operator's: not ours to remove
  });

  it('the CLI prints the message, not a stack', async () => {
    const port = await deadPort();
    const { code, stderr } = await runCli(['ctl', 'backends', '--nats', `nats://127.0.0.1:${port}`]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: connection refused\. Is/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('a secured cluster, end to end', () => {
  const namespace = 'secured';
  let cluster: DevCluster;
  let client: Client;
  let person: Person;
  beforeAll(async () => {
    cluster = await DevCluster.start({
      models: TEST_MODELS,
      backends: 1,
      namespace,
      nats: { auth: { user: 'dc', pass: PASSWORD } },
    });
    client = await new Client({ ...cluster.connectOptions, namespace }).start();
    person = new Person('Secured', 40);
    await person.makePersistent();
  });
  afterAll(async () => {
    await client?.stop();
    await cluster?.stop();
  });

  it('a backend and a client on a user/pass server persist an object and call its method', async () => {
    expect(await person.addYear()).toBe(41);
    expect([...(await client.getBackends()).keys()]).toEqual(['backend-1']);
    expect(await connectWith({ servers: cluster.natsUrl, namespace })).toBeInstanceOf(AuthenticationError);
  });

  it('the password is on no command line (backends, nats-server), nor in the client as printed', () => {
    const pids = [cluster.nats.pid, ...cluster.backends.map((b) => b.pid)];
    expect(pids.every((pid) => typeof pid === 'number')).toBe(true);
    for (const pid of pids) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      expect(cmdline.length).toBeGreaterThan(0);
      expect(cmdline).not.toContain(PASSWORD);
    }
    expect(inspect(client, { depth: 10 })).not.toContain(PASSWORD);
    expect(JSON.stringify(client.options)).not.toContain(PASSWORD);
  });

  it('a worker started from exportContext() connects, and the context holds no secret', async () => {
    const context = client.exportContext();
    expect(JSON.stringify(context)).not.toContain(PASSWORD);
    expect(context).toMatchObject({ servers: [cluster.natsUrl], user: 'dc', namespace });
    // an empty environment: the worker can only have the password through the context's reference
    const worker = new Worker(new URL('./connect-worker.js', import.meta.url), {
      workerData: { context, objectId: person.id },
      env: {},
    });
    const reply = await new Promise<{ age?: number; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(reply).toEqual({ age: expect.any(Number) });
  });

  it('dataclay ctl connects with --nats-user and --nats-password-file, and without them says why not', async () => {
    const base = ['ctl', 'backends', '--nats', cluster.natsUrl, '--namespace', namespace];
    const ok = await runCli([...base, '--nats-user', 'dc', '--nats-password-file', secretFile(PASSWORD)]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain('backend-1');
    const refused = await runCli(base);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: NATS at nats:\/\/127\.0\.0\.1:\d+ refused the credentials/);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  });

  it('a client on a connection handed in uses it, and leaves it open when it stops', async () => {
    const nc = await connect({ servers: cluster.natsUrl, user: 'dc', pass: PASSWORD });
    try {
      const other = await new Client({ connection: nc, namespace }).start();
      const p = new Person('Handed', 1);
      await p.makePersistent();
      expect(await p.addYear()).toBe(2);
      expect(other.exportContext()).toMatchObject({ servers: [cluster.natsUrl] });
      await other.stop();
      expect(nc.isClosed()).toBe(false);
    } finally {
      await nc.close();
    }
  });
});

describe('dataclay dev with --nats-user and --nats-password-file', () => {
  it('starts a secured cluster and prints where the password is, not the password', async () => {
    const passwordFile = secretFile(PASSWORD);
    const args = ['dev', '--backends', '1', '--namespace', 'devsec', '--nats-user', 'dc'];
    const child = spawn(
      process.execPath,
      [CLI, ...args, '--nats-password-file', passwordFile, '--models', ...TEST_MODELS],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Ctrl-C')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`dataclay dev exited with ${code}: ${out}`)));
      });
      expect(out).not.toContain(PASSWORD);
      expect(out).toContain(`export DC_NATS_PASSWORD_FILE=${passwordFile}`);
      const url = /export DC_NATS_URL=(\S+)/.exec(out)![1];
      await using client = await new Client({ servers: url, user: 'dc', pass: PASSWORD, namespace: 'devsec' }).start();
      expect([...(await client.getBackends()).keys()]).toEqual(['backend-1']);
      expect(await connectWith({ servers: url, namespace: 'devsec' })).toBeInstanceOf(AuthenticationError);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  });
});

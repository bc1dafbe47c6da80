// The harness itself: `dataclay dev` starts real processes and leaves none behind on Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DataClayError } from '../../src/index.js';
import { NatsServer } from '../../src/internal.js';
import { tempDir, waitFor } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('dataclay dev', () => {
  it('starts nats-server and N backends, and SIGINT stops them all and removes its files', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'dev', '--backends', '2', '--namespace', 'devtest', '--models', ...TEST_MODELS],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    onTestFinished(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGINT'))); // failed midway
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('Ctrl-C'), { timeoutMs: 60_000, what: 'the ready banner' });
    // one line per step while it starts
    expect(out).toMatch(/nats-server ready: nats:\/\/127\.0\.0\.1:\d+ \(pid \d+\)\n/);
    expect(out).toMatch(/backend-1 ready \(pid \d+\)\n/);
    expect(out).toMatch(/backend-2 ready \(pid \d+\)\n/);
    const pids = [...out.matchAll(/pids: (.*)/g)].flatMap((m) =>
      [...m[1].matchAll(/ (\d+)/g)].map((n) => Number(n[1])),
    );
    const dir = /logs: (\S+)/.exec(out)![1];
    expect(pids).toHaveLength(3);
    expect(pids.every(alive)).toBe(true);
    expect(existsSync(dir)).toBe(true);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    // and one line per step while it stops
    expect(out).toMatch(/backend-1 stopped\n/);
    expect(out).toMatch(/backend-2 stopped\n/);
    expect(out).toMatch(/nats-server stopped\n/);
    await waitFor(() => !pids.some(alive), { what: 'every process gone' });
    expect(existsSync(dir)).toBe(false);
  });

  it('killed with SIGKILL, leaves no nats-server, no backend and no temp dir behind', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'dev', '--backends', '2', '--namespace', 'devkill', '--models', ...TEST_MODELS],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    onTestFinished(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('Ctrl-C'), { timeoutMs: 60_000, what: 'the ready banner' });
    const pids = [...(/pids: (.*)/.exec(out)?.[1] ?? '').matchAll(/ (\d+)/g)].map((n) => Number(n[1]));
    const dir = /logs: (\S+)/.exec(out)![1];
    expect(pids).toHaveLength(3);
    child.kill('SIGKILL'); // no exit hook runs: the watchdog cleans up
    await waitFor(() => !pids.some(alive), { what: 'nats-server and the backends gone' });
    await waitFor(() => !existsSync(dir), { what: 'the temp dir removed' });
  });

  it('a failed start keeps the logs, says where, and removes the rest', async () => {
    const args = [CLI, 'dev', '--backends', '2', '--namespace', 'devfail', '--models', '/nonexistent/model.js'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    const dir = /its logs are kept in (\S+)/.exec(out)?.[1];
    expect(dir, out).toBeDefined();
    onTestFinished(() => rmSync(dir!, { recursive: true, force: true }));
    expect(readdirSync(dir!).sort()).toEqual(['backend-1.log', 'backend-2.log']);
    // the backend that failed first names its log, which says why (the other may have been stopped before a word)
    const log = /^error: backend backend-\d exited \(1\) before it was ready \(log: (\S+backend-\d\.log)\)/.exec(
      err,
    )?.[1];
    expect(log, err).toBeDefined();
    expect(readFileSync(log!, 'utf8')).toMatch(/Cannot find module '\/nonexistent\/model\.js'/);
  });

  it('backends starting together on a fresh nats-server all open the metadata buckets', async () => {
    const { connect } = await import('@nats-io/transport-node');
    const { MetadataStore } = await import('../../src/metadata/store.js');
    let failures = 0;
    for (let round = 0; round < 20; round++) {
      const server = await NatsServer.start({ dir: tempDir('race') });
      const connections = await Promise.all([1, 2, 3].map(() => connect({ servers: server.url })));
      const opened = await Promise.allSettled(connections.map((nc) => MetadataStore.open(nc, 'race')));
      failures += opened.filter((o) => o.status === 'rejected').length;
      await Promise.all(connections.map((nc) => nc.close()));
      await server.stop();
    }
    expect(failures).toBe(0);
  });

  it('says how to install nats-server when it is missing', async () => {
    const err = await NatsServer.start({ dir: '/tmp/dc-missing', binary: 'nats-server-that-does-not-exist' }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(DataClayError);
    expect(err.message).toMatch(/apt-get install nats-server/);
    expect(err.message).toMatch(/brew install nats-server/);
  });

  it('is secured by default: prints how the admin connects, keeps the secrets in 0600 files; --insecure is open', async () => {
    const { Client, AuthenticationError } = await import('../../src/index.js');
    const { readFileSync, statSync } = await import('node:fs');
    const started = async (extra: string[]) => {
      const args = [CLI, 'dev', '--backends', '1', '--namespace', 'devsecure', ...extra, '--models', ...TEST_MODELS];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      expect(await waitFor(() => out.includes('Ctrl-C'), { timeoutMs: 20_000, what: 'the dev cluster ready' })).toBe(
        true,
      );
      const stop = async () => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGINT');
        await exited;
      };
      return { out, stop, url: /export DC_NATS_URL=(\S+)/.exec(out)![1] };
    };
    const secured = await started([]);
    try {
      expect(secured.out).toMatch(/secured/);
      expect(secured.out).toContain('export DC_NATS_USER=admin');
      const file = /export DC_NATS_PASSWORD_FILE=(\S+)/.exec(secured.out)![1];
      const pass = readFileSync(file, 'utf8').trim();
      expect(secured.out).not.toContain(pass);
      const dir = /logs: (\S+)/.exec(secured.out)![1];
      for (const secret of [file, `${dir}/credentials/creds.json`, `${dir}/nats/nats-server.conf`]) {
        expect(statSync(secret).mode & 0o777).toBe(0o600);
      }
      await using admin = await new Client({
        servers: secured.url,
        user: 'admin',
        pass,
        namespace: 'devsecure',
      }).start();
      expect([...(await admin.getBackends()).keys()]).toEqual(['backend-1']);
      const anonymous = await new Client({ servers: secured.url, namespace: 'devsecure' }).start().catch((e) => e);
      expect(anonymous).toBeInstanceOf(AuthenticationError);
    } finally {
      await secured.stop();
    }
    const open = await started(['--insecure']);
    try {
      expect(open.out).toMatch(/open, --insecure/);
      expect(open.out).not.toContain('DC_NATS_USER');
      await using anyone = await new Client({ servers: open.url, namespace: 'devsecure' }).start();
      expect([...(await anyone.getBackends()).keys()]).toEqual(['backend-1']);
    } finally {
      await open.stop();
    }
  }, 60_000);
});

// The `dataclay` command as a user meets it: its version, refused numbers, failures as a message and a hint (no
// stack unless asked), listings as JSON, short class names, consolidated versions not listed, stop that waits.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { BackendUnavailableError, Client, DevCluster } from '../../src/index.js';
import { freePort } from '../../src/dev/ports.js';
import { BankAccount, Person } from '../models/index.js';
import { TEST_MODELS } from '../setup/models.js';
import { adminClient, envFor, tempDir } from '../setup/helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `dataclay ...args` as the test cluster's admin; never throws, the exit code is in the result. */
async function dataclay(args: string[], env = envFor(inject('natsAdmin'))): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const STACK = /\n\s+at /;

describe('the dataclay command', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    const run = await dataclay(['--version']);
    expect(run).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('refuses numbers that are not (dev --backends abc, a port out of range, a zero timeout)', async () => {
    for (const args of [
      ['dev', '--backends', 'abc', '--models', 'm.js'],
      ['backend', '--metrics-port', '70000', '--storage', 'x', '--models', 'm.js'],
      ['ctl', 'objects', '--limit', '-3'],
      ['ctl', 'backends', '--timeout', '0'],
    ]) {
      const run = await dataclay(args);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr).toMatch(/argument .* is invalid\. .* is expected/);
    }
  });

  it('a failure is a message with a hint and exit code 1; --verbose adds the stack', async () => {
    const nats = `nats://127.0.0.1:${await freePort()}`; // nobody listens there
    const refused = await dataclay(['ctl', 'backends', '--nats', nats]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: cannot connect to NATS at .*: connection refused\. .*dataclay dev/);
    expect(refused.stderr).not.toMatch(STACK);
    const anonymous = { ...process.env, DC_NATS_USER: '', DC_NATS_PASSWORD: '' };
    const noCredentials = await dataclay(['ctl', 'backends', '--nats', inject('natsUrl')], anonymous);
    expect(noCredentials.stderr).toMatch(
      /^error: NATS at .* refused the credentials: it requires credentials and none/,
    );
    expect(noCredentials.stderr).not.toMatch(STACK);
    const url = await dataclay(['ctl', 'backends', '--nats', 'http://[::1']);
    expect(url.stderr).toMatch(/^error: servers must be NATS server URLs/);
    const missing = await dataclay(['backend', '--storage', tempDir('cli-models'), '--models', '/nonexistent/m.js']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .*nonexistent\/m\.js.*\n\s+hint: check the --models paths/);
    expect(missing.stderr).not.toMatch(STACK);
    const verbose = await dataclay(['ctl', 'backends', '--nats', nats, '--verbose']);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(STACK);
    expect(verbose.stderr).toMatch(/caused by: .*ECONNREFUSED/s);
  });

  it('ctl objects: --class takes a short name, --json prints the records, consolidated versions are not listed', async () => {
    await using client = await adminClient();
    const account = new BankAccount('cli', 5);
    await account.makePersistent({ backendId: 'backend-2' });
    const version = await account.newVersion();
    await version.consolidateVersion();
    const args = ['ctl', 'objects', '--nats', inject('natsUrl'), '--class', 'BankAccount', '--limit', '100000'];
    const table = await dataclay(args);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(account.id);
    expect(table.stdout).toContain('test/models/bank.BankAccount');
    expect(table.stdout).not.toContain(version.id);
    const json = JSON.parse((await dataclay([...args, '--json'])).stdout) as { id: string; className: string }[];
    expect(json.find((o) => o.id === account.id)).toMatchObject({ className: 'test/models/bank.BankAccount' });
    expect(json.some((o) => o.id === version.id)).toBe(false);
    expect(json.every((o) => o.className === 'test/models/bank.BankAccount')).toBe(true);
    expect(client.isActive).toBe(true);
    const unknown = await dataclay(['ctl', 'objects', '--nats', inject('natsUrl'), '--class', 'NoSuchClass']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/--class must be a class the backends have \(.*test\/models\/bank\.Bank,/);
    const backends = JSON.parse((await dataclay(['ctl', 'backends', '--nats', inject('natsUrl'), '--json'])).stdout);
    expect(backends.map((b: { id: string }) => b.id)).toEqual(['backend-1', 'backend-2', 'backend-3']);
    expect(backends[0].stats.stored).toBeTypeOf('number');
  });

  it('ctl stop returns once the backends have stopped', async () => {
    await using cluster = await DevCluster.start({ models: TEST_MODELS, backends: 2, namespace: 'cli-stop' });
    await using _client = await new Client({ ...cluster.connectOptions, namespace: 'cli-stop' }).start();
    const p = new Person('Stopped', 1);
    await p.makePersistent({ backendId: 'backend-2' });
    const args = ['ctl', 'stop', 'backend-1', 'backend-2', '--nats', cluster.natsUrl, '--namespace', 'cli-stop'];
    const run = await dataclay(args, envFor(cluster.connectOptions));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/backend backend-1: stopping\nbackend backend-1: stopped\n/);
    expect(run.stdout).toMatch(/backend backend-2: stopped\n$/);
    // no wait here: it has stopped when the command returns
    await expect(p.addYear()).rejects.toBeInstanceOf(BackendUnavailableError);
  });
});

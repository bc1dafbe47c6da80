// `dataclay dev --nats-cluster 3`: three nats-servers on loopback, backends on all of them, everything gone on Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Client } from '../../src/index.js';
import { waitFor } from '../setup/helpers.js';
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

describe('dataclay dev --nats-cluster 3', () => {
  it('starts a secured 3-server JetStream cluster, prints every URL, and SIGINT removes it all', async () => {
    const args = [CLI, 'dev', '--nats-cluster', '3', '--backends', '1', '--namespace', 'devcl', '--models'];
    const child = spawn(process.execPath, [...args, ...TEST_MODELS], { stdio: ['ignore', 'pipe', 'inherit'] });
    onTestFinished(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGINT')));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('Ctrl-C'), { timeoutMs: 90_000, what: 'the ready banner' });
    expect(out).toMatch(/a JetStream cluster of 3 nats-servers/);
    const urls = /export DC_NATS_URL=(\S+)/.exec(out)![1].split(',');
    expect(new Set(urls).size).toBe(3);
    const pids = [...out.matchAll(/(?:nats-\d|backend-\d) (\d+)/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(4);
    const dir = /logs: (\S+)/.exec(out)![1];
    const pass = readFileSync(/export DC_NATS_PASSWORD_FILE=(\S+)/.exec(out)![1], 'utf8').trim();
    for (const url of urls) {
      // through any one server, as the admin: the same cluster
      await using admin = await new Client({ servers: url, user: 'admin', pass, namespace: 'devcl' }).start();
      expect([...(await admin.getBackends()).keys()]).toEqual(['backend-1']);
    }
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    await waitFor(() => !pids.some(alive), { what: 'every process gone' });
    expect(existsSync(dir)).toBe(false);
  });
});

// `dataclay ctl` against real clusters: tables, flush, stop.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Client, DevCluster, type NatsConnectOptions } from '../../src/index.js';
import { Person } from '../models/index.js';
import { TEST_MODELS } from '../setup/models.js';
import { adminClient, envFor, waitFor } from '../setup/helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** `dataclay ctl` as the admin `as` names (the test cluster's by default), its password in the environment. */
const run = async (...args: string[]) => ctl(inject('natsAdmin'), ...args);
async function ctl(as: NatsConnectOptions, ...args: string[]): Promise<string> {
  return (await promisify(execFile)(process.execPath, [CLI, 'ctl', ...args], { env: envFor(as) })).stdout;
}

describe('dataclay ctl', () => {
  it('backends: one row per live backend, with its load', async () => {
    const out = await run('backends', '--nats', inject('natsUrl'));
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^BACKEND\s+HOST:PID\s+UP\s+LOADED\s+STORED\s+COPIES\s+COPIES-LOADED\s+RSS$/);
    expect(lines.slice(2).map((l) => l.split(/\s+/)[0])).toEqual(['backend-1', 'backend-2', 'backend-3']);
  });

  it('objects: the metadata, filtered by backend', async () => {
    await using client = await adminClient();
    const p = new Person('Listed', 1);
    await p.makePersistent({ backendId: 'backend-3' });
    const out = await run('objects', '--nats', inject('natsUrl'), '--backend', 'backend-3', '--limit', '100000');
    expect(out).toContain(p.id);
    expect(
      out
        .split('\n')
        .slice(2)
        .every((l) => l === '' || l.trim().endsWith('backend-3')),
    ).toBe(true);
    expect((await client.listObjects({ backendId: 'backend-3', limit: 100000 })).some((o) => o.id === p.id)).toBe(true);
  });

  it('flush and stop a backend', async () => {
    await using cluster = await DevCluster.start({ models: TEST_MODELS, backends: 1, namespace: 'ctl' });
    await using client = await new Client({ ...cluster.connectOptions, namespace: 'ctl' }).start();
    const p = new Person('Kept', 1);
    await p.makePersistent();
    const { Chain } = await import('../models/index.js');
    const chain = new Chain(1, new Chain(2, new Chain(3)));
    await chain.makePersistent();
    const admin = cluster.connectOptions;
    expect(await ctl(admin, 'flush', 'backend-1', '--nats', cluster.natsUrl, '--namespace', 'ctl')).toMatch(
      /backend-1: \d+ objects saved and unloaded/,
    );
    expect(await p.addYear()).toBe(2);
    await chain.bumpAll(10); // direct writes on other objects: saved by eviction or a clean stop, not per call
    expect(await ctl(admin, 'stop', 'backend-1', '--nats', cluster.natsUrl, '--namespace', 'ctl')).toMatch(/stopping/);
    await waitFor(
      () =>
        client.getBackends().then(
          (b) => b.size === 0,
          () => true,
        ),
      { what: 'the backend gone' },
    );
    await expect(client.getBackends()).rejects.toThrow(/No backends/);
    await cluster.backend('backend-1').start();
    expect(await p.addYear()).toBe(3);
    expect(await chain.sum()).toBe(36); // the clean stop saved the links bumped in place
  });

  it('backends serve Prometheus metrics when asked, announced in their record', async () => {
    await using cluster = await DevCluster.start({
      models: TEST_MODELS,
      backends: 1,
      namespace: 'metrics',
      backendArgs: ['--metrics-port', '0'],
    });
    await using client = await new Client({ ...cluster.connectOptions, namespace: 'metrics' }).start();
    const p = new Person('Measured', 1);
    await p.makePersistent();
    await p.addYear();
    await p.addYear();
    const url = (await client.getBackends()).get('backend-1')!.metricsUrl!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    // the port it chose is in its ready line too, for whoever runs `dataclay backend --metrics-port 0` by hand
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`${cluster.dir}/backend-1.log`, 'utf8')).toContain(`"metrics":"${url}"`);
    const text = await (await fetch(url)).text();
    expect(text).toMatch(/dataclay_requests_total\{[^}]*op="call"[^}]*outcome="ok"[^}]*\} 2/);
    expect(text).toMatch(/dataclay_stored_objects\{backend="backend-1"\} 1/);
    expect(text).toMatch(/dataclay_request_duration_seconds_count\{[^}]*op="persist"[^}]*\} 1/);
    expect(text).toContain('dataclay_process_resident_memory_bytes');
  });
});

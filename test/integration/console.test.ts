// The web console in a real browser (Debian's chromium driven by playwright-core): a cluster of its own with a
// small graph, the page's backends table, a click from an object to the object it references, a move shown as it
// happens; a screenshot is kept in test-artifacts/console.png. And the console's own guards: token, admin only.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DevCluster, PermissionDeniedError } from '../../src/index.js';
import type { ConsoleServer } from '../../src/console/server.js';
import { startConsole } from '../../src/cli/console-command.js';
import { Person } from '../models/index.js';
import { waitFor } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
const CHROMIUM = process.env.DC_CHROMIUM ?? '/usr/bin/chromium';

let cluster: DevCluster;
let admin: Client;
let server: ConsoleServer;
let browser: Browser;
const graph = { ada: undefined as unknown as Person, bob: undefined as unknown as Person, cy: '' };

beforeAll(async () => {
  cluster = await DevCluster.start({
    models: TEST_MODELS,
    backends: 2,
    namespace: 'console',
    backendArgs: ['--metrics-port', '0'],
  });
  admin = await new Client({ ...cluster.connectOptions, namespace: 'console' }).start();
  graph.bob = new Person('Bob', 40);
  await graph.bob.makePersistent({ backendId: 'backend-2', alias: 'bob' });
  graph.ada = new Person('Ada', 36);
  graph.ada.spouse = graph.bob;
  const cy = new Person('Cy', 5);
  graph.ada.friends = [cy];
  await graph.ada.makePersistent({ backendId: 'backend-1', alias: 'ada' });
  graph.cy = cy.id;
  server = await startConsole(admin);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await admin?.stop();
  await cluster?.stop();
});

describe('the console in a browser', () => {
  it('shows the backends, and goes from an object to the object it references', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    await page.goto(server.url);

    const rows = page.locator('#backends tbody tr');
    await waitFor(() => rows.count(), { until: (n) => n === 2, what: 'two backend rows' });
    expect(await rows.nth(0).locator('td').nth(0).textContent()).toBe('backend-1');
    expect(await rows.nth(0).locator('td').nth(1).textContent()).toBe('live');
    expect(Number(await rows.nth(1).locator('td').nth(4).textContent())).toBeGreaterThanOrEqual(1); // Bob's there
    // what the browser fetched for the page so far (its document, scripts, style and first API answers)
    // the page runs in the browser, not in Node: its performance entries typed as the browser has them
    const transferred = await page.evaluate(`[
      ...performance.getEntriesByType('navigation'),
      ...performance.getEntriesByType('resource'),
    ].reduce((sum, e) => sum + e.transferSize, 0)`);
    console.log(`console page weight: ${transferred} bytes transferred`);

    await page.locator(`#objects tbody tr[data-id="${graph.ada.id}"]`).click();
    await waitFor(() => page.locator('#detail-id').textContent(), {
      until: (t) => t === graph.ada.id,
      what: 'Ada shown',
    });
    await waitFor(() => page.locator('#detail-meta').textContent(), {
      until: (t) => Boolean(t?.includes('ada')),
      what: 'her alias',
    });
    expect(await page.locator('#fields').textContent()).toContain('"Ada"');

    // the graph: Ada references Bob (spouse) and Cy (friends)
    const bobNode = page.locator(`#graph .node[data-id="${graph.bob.id}"]`);
    await waitFor(() => bobNode.count(), { until: (n) => n === 1, what: 'Bob in the graph' });
    expect(await page.locator(`#graph .node[data-id="${graph.cy}"]`).count()).toBe(1);
    // request rates from the backends' metrics: two samples apart (the page polls every 2 s)
    const rate = rows.nth(0).locator('td').nth(6);
    await waitFor(() => rate.textContent(), { until: (t) => /^\d/.test(t ?? ''), what: 'a request rate' });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}console.png`, fullPage: true });

    await bobNode.click();
    await waitFor(() => page.locator('#detail-id').textContent(), {
      until: (t) => t === graph.bob.id,
      what: 'Bob shown',
    });
    await waitFor(() => page.locator('#fields').textContent(), {
      until: (t) => Boolean(t?.includes('"Bob"')),
      what: 'his fields',
    });
    expect(await page.locator('#detail-meta').textContent()).toContain('backend-2');
    await page.close();
  });

  it('shows a move as it happens', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await waitFor(() => page.locator('#backends tbody tr').count(), {
      until: (n) => n === 2,
      what: 'two backend rows',
    });
    const p = new Person('Dee', 7);
    await p.makePersistent({ backendId: 'backend-1' });
    await p.move('backend-2');
    const moved = page.locator('#events li[data-kind="move"]', { hasText: p.id.slice(0, 8) });
    await waitFor(() => moved.count(), { until: (n) => n === 1, what: 'the move in the events' });
    expect(await moved.textContent()).toContain('backend-1: ');
    expect(await moved.textContent()).toContain('→ backend-2');
    await page.close();
  });
});

describe('the console guards', () => {
  it('answers nothing without the token of its run, and nothing for another Host', async () => {
    const base = server.url.slice(0, server.url.indexOf('?'));
    expect((await fetch(`${base}api/backends`)).status).toBe(401);
    expect((await fetch(`${base}api/backends?token=wrong`)).status).toBe(401);
    const ok = await fetch(`${base}api/backends?${new URL(server.url).searchParams}`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { id: string }[]).map((b) => b.id)).toEqual(['backend-1', 'backend-2']);
    const url = new URL(server.url);
    expect(url.hostname).toBe('127.0.0.1');
  });

  it('refuses to start for a user who is not an admin', async () => {
    const user = await new Client({ ...cluster.connectOptionsFor('user'), namespace: 'console' }).start();
    try {
      await expect(startConsole(user)).rejects.toBeInstanceOf(PermissionDeniedError);
    } finally {
      await user.stop();
    }
  });

  it('dataclay console prints its URL on 127.0.0.1 with a token', async () => {
    const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
    const { user, pass } = cluster.connectOptions;
    const env = {
      ...process.env,
      DC_NATS_URL: cluster.natsUrl,
      DC_NATS_USER: user,
      DC_NATS_PASSWORD: pass,
      DC_NAMESPACE: 'console',
    };
    const child = execFile(process.execPath, [cli, 'console'], { env });
    try {
      let out = '';
      child.stdout!.on('data', (chunk) => (out += chunk));
      const printed = await waitFor(() => /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(out)?.[0] ?? '', {
        what: 'the console URL on its output',
      });
      expect((await fetch(printed)).status).toBe(200);
      expect((await fetch(printed.slice(0, printed.indexOf('?')))).status).toBe(401);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
  });
});

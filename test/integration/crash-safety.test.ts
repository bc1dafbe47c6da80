// Model code that fails outside any call (a timer, a promise nobody awaits) is logged and the backend keeps serving.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DevCluster } from '../../src/index.js';
import { Saboteur } from '../models/index.js';
import { natsProfile } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

let cluster: DevCluster;
let client: Client;
beforeAll(async () => {
  cluster = await DevCluster.start({ models: TEST_MODELS, backends: 1, namespace: 'crash', ...natsProfile() });
  client = await new Client({ ...cluster.connectOptions, namespace: 'crash', timeoutMs: 5_000 }).start();
});
afterAll(async () => {
  await client?.stop();
  await cluster?.stop();
});

interface LogLine {
  msg: string;
  origin?: string;
  className?: string;
  objectId?: string;
  err?: { message?: string; stack?: string };
}

/** The backend's log line about the error with `message`, once it is there. */
async function faultLogged(message: string, ms = 10_000): Promise<LogLine> {
  const until = Date.now() + ms;
  for (;;) {
    const lines = readFileSync(cluster.backend('backend-1').options.logFile, 'utf8').split('\n');
    // pino writes JSON lines; anything else there (Node's own crash report) is not the line asked for
    const line = lines.filter((l) => l.startsWith('{') && l.includes(message)).map((l) => JSON.parse(l) as LogLine)[0];
    if (line) return line;
    if (Date.now() > until) throw new Error(`no log line about ${message} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function alive(pid: number | undefined): boolean {
  try {
    return pid !== undefined && process.kill(pid, 0);
  } catch {
    return false;
  }
}

describe('a backend outlives model code that fails outside a call', () => {
  it('an exception thrown by a timer: logged with its class, and the backend keeps serving', async () => {
    const pid = cluster.backend('backend-1').pid;
    const s = new Saboteur();
    await s.makePersistent();
    const message = `timer-boom-${randomUUID()}`;
    await s.throwLater(message, 20);
    const line = await faultLogged(message);
    expect(line).toMatchObject({ origin: 'uncaughtException', className: s.className, method: 'throwLater' });
    expect(line.objectId).toBe(s.id);
    expect(line.err?.stack).toContain(message);
    expect(line.msg).toContain('the backend keeps serving');
    expect(await s.ping()).toBe(1);
    expect(alive(pid)).toBe(true);
    expect(cluster.backend('backend-1').pid).toBe(pid);
    const other = new Saboteur();
    await other.makePersistent();
    expect(await other.ping()).toBe(1);
  });

  it('a rejected promise nobody awaits: logged with its class, and the backend keeps serving', async () => {
    const pid = cluster.backend('backend-1').pid;
    const s = new Saboteur();
    await s.makePersistent();
    const message = `lost-rejection-${randomUUID()}`;
    await s.rejectLater(message, 20);
    const line = await faultLogged(message);
    expect(line).toMatchObject({
      origin: 'unhandledRejection',
      className: s.className,
      objectId: s.id,
      method: 'rejectLater',
    });
    expect(await s.ping()).toBe(1);
    expect((await client.backend('backend-1').stats()).id).toBe('backend-1');
    expect(alive(pid)).toBe(true);
  });
});

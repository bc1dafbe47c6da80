// Small helpers shared by the integration tests.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, inject, onTestFinished } from 'vitest';
import {
  Client,
  type ClientOptions,
  DoesNotExistError,
  type NatsConnectOptions,
  type ObjectMetadata,
} from '../../src/index.js';
import { readReply } from '../../src/internal.js';

/** An alias no other test uses. */
export function uniqueAlias(prefix = 'a'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A started client on the test cluster, as the client user `user`. */
export async function testClient(options: ClientOptions = {}): Promise<Client> {
  return new Client({ ...inject('natsUser'), ...options }).start();
}

/** A started client on the test cluster, as the admin: stats, flush, stop, listing every object. */
export async function adminClient(options: ClientOptions = {}): Promise<Client> {
  return new Client({ ...inject('natsAdmin'), ...options }).start();
}

/** The environment of a `dataclay` command (or another process) connecting as `as` (default: `user`). */
export function envFor(as: NatsConnectOptions = inject('natsUser')): NodeJS.ProcessEnv {
  return { ...process.env, DC_NATS_USER: as.user, DC_NATS_PASSWORD: as.pass };
}

/** A test file's client (started before its tests, stopped after; a test may replace it) and what it looks up. */
export interface SharedClient {
  client: Client;
  /** The admin's client, started before `client` (so `client` is the active one): for operator operations. */
  admin: Client;
  /** The object's metadata record, as the cluster has it. */
  metadata(id: string): Promise<ObjectMetadata | undefined>;
  /** How many objects a backend's store holds. */
  stored(backendId: string): Promise<number>;
}

export function useClient(options: ClientOptions = {}): SharedClient {
  const shared: SharedClient = {
    client: undefined as unknown as Client,
    admin: undefined as unknown as Client,
    metadata: (id) =>
      shared.admin.getObjectMetadata(id).catch((err) => {
        if (err instanceof DoesNotExistError) return undefined;
        throw err;
      }),
    stored: async (backendId) => (await shared.admin.backend(backendId).stats()).stored,
  };
  beforeAll(async () => {
    shared.admin = await adminClient({ namespace: options.namespace });
    shared.client = await testClient(options);
  });
  afterAll(async () => {
    await shared.client?.stop();
    await shared.admin?.stop();
  });
  return shared;
}

export interface WaitOptions<T> {
  /** What the value must satisfy (default: truthy). */
  until?: (value: T) => boolean;
  /** Give up after this long: generous, the condition normally holds within milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Between reads; 0 polls once per event-loop turn (default 20 ms). */
  intervalMs?: number;
  /** Names the condition in the error when it never holds. */
  what?: string;
}

/**
 * Reads `read` until its value satisfies `until`, and returns that value: a bounded wait for a condition instead of
 * a sleep that hopes it holds by then. Throws when it does not hold within `timeoutMs`.
 */
export async function waitFor<T>(read: () => T | Promise<T>, options: WaitOptions<T> = {}): Promise<T> {
  const { until = Boolean, timeoutMs = 30_000, intervalMs = 20, what = 'the condition' } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (until(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms (last: ${String(value)})`);
    await new Promise((resolve) => (intervalMs === 0 ? setImmediate(resolve) : setTimeout(resolve, intervalMs)));
  }
}

/** A new directory `dc-test-<name>-XXXXXX` under the OS temp dir (or `base`); the caller removes it (removeDir). */
export function makeTempDir(name: string, base = tmpdir()): string {
  return mkdtempSync(path.join(base, `dc-test-${name}-`));
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** In a test: a new directory (see makeTempDir), removed when the test ends, passed or failed. */
export function tempDir(name: string, base?: string): string {
  const dir = makeTempDir(name, base);
  onTestFinished(() => removeDir(dir));
  return dir;
}

/**
 * What a test that starts its own DevCluster passes for the run's NATS profile: DC_TEST_NATS_CLUSTER=3 makes it a
 * 3-node JetStream cluster, as the shared cluster is (global-setup.ts).
 */
export function natsProfile(): { natsCluster: number } {
  return { natsCluster: Number(process.env.DC_TEST_NATS_CLUSTER ?? 1) };
}

/**
 * A request made by hand as the test user (a forged or malformed one): its reply's value, or the error it carries
 * rebuilt and thrown.
 */
export async function rawRequest(subject: string, payload: Uint8Array, timeoutMs = 10_000): Promise<unknown> {
  const { servers, user, pass } = inject('natsUser');
  const nc = await connect({ servers, user, pass, inboxPrefix: `_INBOX.${user}` }); // replies go to our inbox
  try {
    const msg = await nc.request(subject, payload, { timeout: timeoutMs });
    return readReply(msg.data);
  } finally {
    await nc.close();
  }
}

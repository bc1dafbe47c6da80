// Small helpers shared by the integration tests.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { Client, type ClientOptions, type NatsConnectOptions, type ObjectMetadata } from '../../src/index.js';

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
    metadata: async (id) => (await shared.admin.listObjects({ limit: 1_000_000 })).find((o) => o.id === id),
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

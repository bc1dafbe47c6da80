// Small helpers shared by the integration tests.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { Client, type ClientOptions, type ObjectMetadata } from '../../src/index.js';

/** An alias no other test uses. */
export function uniqueAlias(prefix = 'a'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A started client on the test cluster. */
export async function testClient(options: ClientOptions = {}): Promise<Client> {
  return new Client({ natsUrl: inject('natsUrl'), ...options }).start();
}

/** A test file's client (started before its tests, stopped after; a test may replace it) and what it looks up. */
export interface SharedClient {
  client: Client;
  /** The object's metadata record, as the cluster has it. */
  metadata(id: string): Promise<ObjectMetadata | undefined>;
  /** How many objects a backend's store holds. */
  stored(backendId: string): Promise<number>;
}

export function useClient(options: ClientOptions = {}): SharedClient {
  const shared: SharedClient = {
    client: undefined as unknown as Client,
    metadata: async (id) => (await shared.client.listObjects({ limit: 1_000_000 })).find((o) => o.id === id),
    stored: async (backendId) => (await shared.client.backend(backendId).stats()).stored,
  };
  beforeAll(async () => {
    shared.client = await testClient(options);
  });
  afterAll(() => shared.client?.stop());
  return shared;
}

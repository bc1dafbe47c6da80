// Small helpers shared by the integration tests.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { Client, type ClientOptions } from '../../src/index.js';

/** An alias no other test uses. */
export function uniqueAlias(prefix = 'a'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A started client on the test cluster. */
export async function testClient(options: ClientOptions = {}): Promise<Client> {
  return new Client({ natsUrl: inject('natsUrl'), ...options }).start();
}

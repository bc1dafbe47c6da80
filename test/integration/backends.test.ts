import { describe, expect, it } from 'vitest';
import { Client, ClientNotStartedError } from '../../src/index.js';
import { testClient } from '../setup/helpers.js';

describe('client and backends', () => {
  it('lists the three live backends in a stable order', async () => {
    await using client = await testClient();
    const first = [...(await client.getBackends()).keys()];
    const second = [...(await client.getBackends()).keys()];
    expect(first).toEqual(['backend-1', 'backend-2', 'backend-3']);
    expect(second).toEqual(first);
    const info = (await client.getBackends()).get('backend-1')!;
    expect(info.classes).toContain('test/models/people.Person');
    expect(info.pid).toBeGreaterThan(0);
  });

  it('reads its settings from DC_* environment variables', () => {
    const saved = { ...process.env };
    Object.assign(process.env, { DC_NATS_URL: 'nats://example:1', DC_USERNAME: 'ann', DC_DATASET: 'ds1' });
    try {
      const client = new Client();
      expect(client.options).toMatchObject({ natsUrl: 'nats://example:1', username: 'ann', dataset: 'ds1' });
    } finally {
      process.env = saved;
    }
  });

  it('stops with await using, and refuses work once stopped', async () => {
    let client: Client;
    {
      await using c = await testClient();
      client = c;
      expect(client.isActive).toBe(true);
    }
    expect(client.isActive).toBe(false);
    await expect(client.getBackends()).rejects.toThrow(/not started/);
  });

  it('fails clearly when no client is active', async () => {
    const { Person } = await import('../models/index.js');
    await expect(Person.getByAlias('x')).rejects.toBeInstanceOf(ClientNotStartedError);
  });
});

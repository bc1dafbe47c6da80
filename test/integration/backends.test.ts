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
    Object.assign(process.env, {
      DC_NATS_URL: 'nats://example:1',
      DC_USERNAME: 'ann',
      DC_PASSWORD: 'pw',
      DC_DATASET: 'ds1',
      DC_TIMEOUT_MS: '1234',
    });
    try {
      const client = new Client();
      expect(client.options).toMatchObject({
        natsUrl: 'nats://example:1',
        username: 'ann',
        dataset: 'ds1',
        timeoutMs: 1234,
      });
      expect(JSON.stringify(client.options)).not.toContain('pw'); // DC_PASSWORD is ann's NATS password: never shown
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
    await expect(client.getBackends()).rejects.toBeInstanceOf(ClientNotStartedError);
  });

  it('several clients: stopping one leaves the others working, the latest started is the active one', async () => {
    const { Person } = await import('../models/index.js');
    const c1 = await testClient({ dataset: 'ds-c1' });
    const c2 = await testClient({ dataset: 'ds-c2' });
    const p = new Person('Multi', 1);
    await p.makePersistent(); // through c2, the active one
    await c1.stop();
    expect(await p.addYear()).toBe(2); // c2 still active
    const again = await Promise.all([c2.start(), c2.start()]);
    expect(again[0]).toBe(c2);
    await c2.stop();
    await expect(Person.getById(p.id)).rejects.toBeInstanceOf(ClientNotStartedError);
  });

  it('refuses a timeout that is not a positive number', () => {
    expect(() => new Client({ timeoutMs: Number.NaN })).toThrow(/timeoutMs must be a positive number/);
    expect(() => new Client({ timeoutMs: 0 })).toThrow(/timeoutMs/);
  });

  it('fails clearly when no client is active', async () => {
    const { Person } = await import('../models/index.js');
    await expect(Person.getByAlias('x')).rejects.toBeInstanceOf(ClientNotStartedError);
  });
});

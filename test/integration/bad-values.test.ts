// Values and options that cannot be what they are given as get a typed error before anything is stored, on the
// shared cluster (real nats-server and backends): a remote dcSet of the wrong type, a value nested too deeply or
// cyclic, an options object that is not one (or names an option that does not exist), a field the class lacks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Client,
  FieldNotFoundError,
  InvalidArgumentError,
  InvalidOptionError,
  UnserializableError,
} from '../../src/index.js';
import { Person } from '../models/index.js';
import { testClient } from '../setup/helpers.js';

let client: Client;
beforeAll(async () => {
  client = await testClient();
});
afterAll(() => client.stop());

describe('a remote dcSet', () => {
  it('of a value that is not the field’s declared type is refused, and the field keeps its value', async () => {
    const p = new Person('Typed', 40);
    await p.makePersistent();
    const refused = p.dcSet('age', 'abc' as unknown as number);
    await expect(refused).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(refused).rejects.toThrow(/'age' expects number, got/);
    await expect(p.dcSet('tags', 'x' as unknown as Set<string>)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await p.dcGet('age')).toBe(40);
    expect(await p.addYear()).toBe(41);
    await p.dcSet('age', 50); // the right type still goes through
    expect(await p.dcGet('age')).toBe(50);
  });
});

describe('a local object', () => {
  it('refuses dcGet and dcSet of a field its class does not have, as a proxy does', async () => {
    const local = new Person('Local', 1);
    await expect(local.dcGet('nope' as never)).rejects.toBeInstanceOf(FieldNotFoundError);
    await expect(local.dcSet('nope' as never, 1 as never)).rejects.toBeInstanceOf(FieldNotFoundError);
    expect(Object.hasOwn(local, 'nope')).toBe(false);
  });
});

describe('a value', () => {
  it('nested deeper than the encoder can go is an UnserializableError that says so', async () => {
    const p = new Person('Deep', 1);
    await p.makePersistent();
    let deep: unknown[] = [];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const refused = p.echo(deep);
    await expect(refused).rejects.toBeInstanceOf(UnserializableError);
    await expect(refused).rejects.toThrow(/nested deeper than 1000 levels/);
  });

  it('that contains itself is an UnserializableError naming where', async () => {
    const p = new Person('Cyclic', 1);
    await p.makePersistent();
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = { back: loop };
    await expect(p.echo(loop)).rejects.toThrow(/a cycle/);
    expect(await p.addYear()).toBe(2); // nothing was sent: the object is as it was
  });
});

describe('options', () => {
  it('that are not an options object, or name no option, are refused before anything is sent', async () => {
    const p = new Person('Options', 1);
    await expect(p.makePersistent(null as never)).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(p.makePersistent('john' as never)).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(p.makePersistent({ backendID: 'backend-1' } as never)).rejects.toThrow(/option 'backendID'/);
    expect(p.isRegistered).toBe(false);
    await p.makePersistent();
    await expect(p.move('backend-2', null as never)).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(p.move('backend-2', { recursive: 'yes' } as never)).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(p.dcDelete(null as never)).rejects.toBeInstanceOf(InvalidOptionError);
    expect(await p.addYear()).toBe(2); // still there, unmoved and undeleted
  });
});

describe('a listing', () => {
  it('with a limit that is no positive integer is refused before it is sent (sent, a user would be refused by NATS)', async () => {
    for (const limit of [-1, 0, 1.5, Number.NaN, 'abc'])
      await expect(client.listObjects({ limit: limit as number })).rejects.toBeInstanceOf(InvalidOptionError);
  });
});

import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  AliasDoesNotExistError,
  BackendNotFoundError,
  DoesNotExistError,
  InvalidAliasError,
  ObjectNotRegisteredError,
} from '../../src/index.js';
import { Person } from '../models/index.js';
import { testClient, uniqueAlias, useClient } from '../setup/helpers.js';
import { otherProcess } from '../setup/other-process.js';

const shared = useClient();

describe('makePersistent', () => {
  it('persists the whole reference graph, cycles included, in one go on one backend', async () => {
    const ann = new Person('Ann', 30);
    const bob = new Person('Bob', 32);
    const kid = new Person('Kid', 3);
    ann.spouse = bob;
    bob.spouse = ann; // cycle
    ann.friends = [kid, bob];
    kid.friends = [ann]; // another cycle
    await ann.makePersistent({ backendId: 'backend-2' });

    for (const p of [ann, bob, kid]) {
      expect(p.isRegistered).toBe(true);
      expect(p.isLocal).toBe(false);
      expect(p.backendId).toBe('backend-2');
    }
    const spouse = await ann.dcGet('spouse');
    expect(spouse).toBe(bob); // references come back as the live instance
    expect(await bob.dcGet('spouse')).toBe(ann);
    expect(await ann.dcGet('friends')).toEqual([kid, bob]);
    expect((await kid.dcGet('friends'))[0]).toBe(ann);
    expect(await ann.spouseName()).toBe('Bob');
  });

  it('keeps values of every supported kind', async () => {
    const p = new Person('Vals', 1);
    p.tags = new Set(['a', 'b']);
    p.scores = new Map([
      ['x', 1.5],
      ['y', -2],
    ]);
    await p.makePersistent();
    expect(await p.dcGet('tags')).toEqual(new Set(['a', 'b']));
    expect(await p.dcGet('scores')).toEqual(
      new Map([
        ['x', 1.5],
        ['y', -2],
      ]),
    );
    const value = {
      n: 1,
      f: 2.5,
      s: 'str',
      b: true,
      nil: null,
      undef: undefined,
      big: 12345678901234567890n,
      small: 5n,
      date: new Date(1_700_000_000_000),
      bytes: new Uint8Array([1, 2, 3]),
      arr: [1, 'two', [3]],
      map: new Map<unknown, unknown>([
        [1, 'one'],
        ['k', new Map([['deep', true]])],
      ]),
      set: new Set([1, 2]),
      nested: { a: { b: [{ c: 1 }] } },
    };
    const back = await p.echo(value);
    expect(back).toEqual(value);
    expect(back.small).toBe(5n);
    expect(back.map).toBeInstanceOf(Map);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect('undef' in back).toBe(true);
  });

  it('places objects on the backend asked for', async () => {
    for (const id of ['backend-1', 'backend-3']) {
      const p = new Person(id, 1);
      await p.makePersistent({ backendId: id });
      expect(p.backendId).toBe(id);
      expect(await p.whereAmI()).toBe(id);
    }
  });

  it('rejects an unknown backend id with BackendNotFoundError and keeps the object local', async () => {
    const p = new Person('Lost', 1);
    const err = await p.makePersistent({ backendId: 'backend-99' }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendNotFoundError);
    expect(err.data.backendId).toBe('backend-99');
    expect(p.isRegistered).toBe(false);
    expect(p.isLocal).toBe(true);
    expect(p.name).toBe('Lost');
  });
});

describe('aliases', () => {
  it('getByAlias returns the same live instance, getById too', async () => {
    const alias = uniqueAlias();
    const p = new Person('Ali', 40);
    await p.makePersistent({ alias });
    expect(await Person.getByAlias(alias)).toBe(p);
    expect(await Person.getById(p.id)).toBe(p);
  });

  it('one live instance per id in a process, whichever shared.client found it; another process has its own', async () => {
    const alias = uniqueAlias();
    const p = new Person('Fresh', 50);
    await p.makePersistent({ alias });
    await shared.client.stop();
    shared.client = await testClient();
    expect(await Person.getByAlias(alias)).toBe(p); // the same process: the same instance, across clients
    const other = await otherProcess(shared.client.exportContext(), p.id);
    try {
      expect(await other.ask('backendId')).toBe(p.backendId);
      expect(await other.ask('whereAmI')).toBe(p.backendId);
    } finally {
      await other.close();
    }
  });

  it('refuses a duplicate alias with AlreadyExistsError "<dataset>/<alias> already exists" and persists nothing', async () => {
    const alias = uniqueAlias();
    await new Person('First', 1).makePersistent({ alias });
    const second = new Person('Second', 2);
    const err = await second.makePersistent({ alias }).catch((e) => e);
    expect(err).toBeInstanceOf(AlreadyExistsError);
    expect(err.message).toBe(`admin/${alias} already exists`);
    expect(second.isRegistered).toBe(false);
    await expect(Person.getById(second.id)).rejects.toBeInstanceOf(DoesNotExistError);
    expect(await (await Person.getByAlias(alias)).dcGet('name')).toBe('First');
  });

  it('addAlias, getAliases, deleteAlias', async () => {
    const [a1, a2] = [uniqueAlias(), uniqueAlias()];
    const p = new Person('Many', 1);
    await p.makePersistent({ alias: a1 });
    await p.addAlias(a2);
    expect(await p.getAliases()).toEqual(new Set([a1, a2]));
    await expect(p.addAlias(a1)).rejects.toBeInstanceOf(AlreadyExistsError);
    await Person.deleteAlias(a1);
    expect(await p.getAliases()).toEqual(new Set([a2]));
    await expect(Person.getByAlias(a1)).rejects.toBeInstanceOf(AliasDoesNotExistError);
    await Person.deleteAlias(a1); // deleting a missing alias is not an error
    expect(await Person.getByAlias(a2)).toBe(p);
  });

  it('aliases can hold any characters', async () => {
    const alias = `weird alias/é.ü*>${uniqueAlias()}`;
    const p = new Person('Weird', 1);
    await p.makePersistent({ alias });
    expect(await Person.getByAlias(alias)).toBe(p);
    expect(await p.getAliases()).toEqual(new Set([alias]));
  });

  it('reports alias misuse with typed errors', async () => {
    const err = await Person.getByAlias(`never-made-${uniqueAlias()}`).catch((e) => e);
    expect(err).toBeInstanceOf(AliasDoesNotExistError);
    expect(err.data.dataset).toBe('admin');
    await expect(new Person('U', 1).addAlias('x')).rejects.toBeInstanceOf(ObjectNotRegisteredError);
    await expect(new Person('U', 1).getAliases()).rejects.toBeInstanceOf(ObjectNotRegisteredError);
    await expect(new Person('E', 1).makePersistent({ alias: '' })).rejects.toBeInstanceOf(InvalidAliasError);
    await expect(Person.getById('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(DoesNotExistError);
  });

  it('keeps aliases per dataset: the same name in two datasets names two objects', async () => {
    const alias = uniqueAlias();
    const inA = new Person('A', 1);
    const inB = new Person('B', 2);
    await shared.client.run({ dataset: 'ds-a' }, () => inA.makePersistent({ alias }));
    await shared.client.run({ dataset: 'ds-b' }, () => inB.makePersistent({ alias }));
    expect(await Person.getByAlias(alias, 'ds-a')).toBe(inA);
    expect(await shared.client.run({ dataset: 'ds-b' }, () => Person.getByAlias(alias))).toBe(inB);
    await expect(Person.getByAlias(alias)).rejects.toBeInstanceOf(AliasDoesNotExistError); // default dataset: admin
  });
});

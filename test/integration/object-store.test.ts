// dataClay's object-store API: dcPut, dcClone, dcCloneByAlias, dcUpdate, dcUpdateByAlias.
import { describe, expect, it } from 'vitest';
import { ClassMismatchError, DataClayObject, InvalidAliasError } from '../../src/index.js';
import { Person, Shape } from '../models/index.js';
import { uniqueAlias, useClient } from '../setup/helpers.js';

useClient(); // the models below need a started client

describe('object store', () => {
  it('dcPut requires an alias and persists under it', async () => {
    await expect(new Person('NoAlias', 1).dcPut('')).rejects.toBeInstanceOf(InvalidAliasError);
    const alias = uniqueAlias();
    const p = new Person('Put', 1);
    await p.dcPut(alias, 'backend-2');
    expect(p.backendId).toBe('backend-2');
    expect(await Person.getByAlias(alias)).toBe(p);
  });

  it('dcClone gives a new, unregistered, local copy of a remote object; references stay references', async () => {
    const friend = new Person('Friend', 5);
    const p = new Person('Original', 40);
    p.friends = [friend];
    p.tags = new Set(['t']);
    await p.makePersistent();
    const copy = await p.dcClone();
    expect(copy).toBeInstanceOf(Person);
    expect(copy.isRegistered).toBe(false);
    expect(copy.isLocal).toBe(true);
    expect(copy.id).not.toBe(p.id);
    expect(copy.name).toBe('Original');
    expect(copy.age).toBe(40);
    expect(copy.tags).toEqual(new Set(['t']));
    expect(copy.friends[0]).toBe(friend); // the same persistent object, not a copy
    copy.age = 1;
    expect(await p.dcGet('age')).toBe(40);
  });

  it('dcClone of a local object is a deep copy', async () => {
    const p = new Person('Local', 1);
    p.scores = new Map([['a', 1]]);
    const copy = await p.dcClone();
    copy.scores.set('b', 2);
    expect(p.scores).toEqual(new Map([['a', 1]]));
  });

  it('dcCloneByAlias', async () => {
    const alias = uniqueAlias();
    await new Person('ByAlias', 7).makePersistent({ alias });
    const copy = await Person.dcCloneByAlias(alias);
    expect(copy.name).toBe('ByAlias');
    expect(copy.isRegistered).toBe(false);
  });

  it('dcUpdate copies the state of an object of the same class, local or remote, either way', async () => {
    const target = new Person('Target', 1);
    await target.makePersistent({ backendId: 'backend-1' });
    await target.dcUpdate(new Person('FromLocal', 2));
    expect(await target.dcGet('name')).toBe('FromLocal');
    const source = new Person('FromRemote', 3);
    await source.makePersistent({ backendId: 'backend-3' });
    await target.dcUpdate(source);
    expect(await target.dcGet('age')).toBe(3);
    const local = new Person('Local', 0);
    await local.dcUpdate(source);
    expect(local.name).toBe('FromRemote');
  });

  it('dcUpdate refuses another class with ClassMismatchError', async () => {
    const p = new Person('P', 1);
    const err = await p.dcUpdate(new Shape('s') as unknown as Person).catch((e) => e);
    expect(err).toBeInstanceOf(ClassMismatchError);
    expect(err.message).toMatch(/same class/);
  });

  it('a lookup through a class refuses an object of another one with ClassMismatchError, and deletes nothing', async () => {
    const alias = uniqueAlias();
    const shape = new Shape('s');
    await shape.makePersistent({ alias });
    const byAlias = await Person.getByAlias(alias).catch((e) => e);
    expect(byAlias).toBeInstanceOf(ClassMismatchError);
    expect(byAlias.data).toEqual({ expected: new Person('E', 0).className, actual: shape.className });
    expect(byAlias.message).toContain(`alias '${alias}' is a ${shape.className}, not a`);
    await expect(Person.getById(shape.id)).rejects.toBeInstanceOf(ClassMismatchError);
    await expect(Person.dcUpdateByAlias(alias, new Person('X', 1))).rejects.toBeInstanceOf(ClassMismatchError);
    await expect(Person.deleteById(shape.id)).rejects.toBeInstanceOf(ClassMismatchError);
    expect(await Shape.getByAlias(alias)).toBe(shape);
    expect(await DataClayObject.getByAlias(alias)).toBe(shape);
  });

  it('dcUpdateByAlias', async () => {
    const alias = uniqueAlias();
    const p = new Person('Before', 1);
    await p.makePersistent({ alias });
    await Person.dcUpdateByAlias(alias, new Person('After', 2));
    expect(await p.dcGet('name')).toBe('After');
  });
});

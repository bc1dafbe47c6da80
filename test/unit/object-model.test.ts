// The object model without any cluster: locality, proxies, decorators without the transformer.
import { describe, expect, it } from 'vitest';
import {
  activemethod,
  DataClayObject,
  NotLocalError,
  persistent,
  TransformerNotConfiguredError,
} from '../../src/index.js';
import { IdentityMap } from '../../src/internal.js';
import { classInfoByName, newProxy } from '../../src/internal.js';
import { Person } from '../models/index.js';

describe('local objects', () => {
  it('are plain objects: fields read and write synchronously, methods run in place', async () => {
    const p = new Person('Ann', 30);
    expect(p.isLocal).toBe(true);
    expect(p.isRegistered).toBe(false);
    expect(p.id).toMatch(/^[0-9a-f-]{36}$/);
    p.age = 31;
    expect(p.age).toBe(31);
    expect(Object.keys(p)).toEqual(['name', 'age', 'spouse', 'friends', 'tags', 'scores']);
    expect(JSON.parse(JSON.stringify(p))).toMatchObject({ name: 'Ann', age: 31 });
    expect(await p.addYear()).toBe(32);
  });

  it('get distinct ids and compare by id', () => {
    const a = new Person('A', 1);
    const b = new Person('A', 1);
    expect(a.id).not.toBe(b.id);
    expect(a.equals(a)).toBe(true);
    expect(a.equals(b)).toBe(false);
  });
});

describe('non-local proxies', () => {
  const proxy = () => newProxy(classInfoByName('test/models/people.Person'), 'id-1', 'backend-9') as Person;

  it('are instances of their class with no field values', () => {
    const p = proxy();
    expect(p).toBeInstanceOf(Person);
    expect(p.isLocal).toBe(false);
    expect(p.backendId).toBe('backend-9');
    expect(Object.keys(p)).toEqual([]);
  });

  it('throw NotLocalError on sync reads and writes, naming the async alternative', () => {
    const p = proxy();
    expect(() => p.name).toThrow(NotLocalError);
    expect(() => p.name).toThrow(
      "Person.name is not local: object id-1 lives on backend backend-9. Use await obj.dcGet('name')",
    );
    expect(() => {
      p.age = 3;
    }).toThrow(/dcSet\('age', value\)/);
    expect(Object.keys(p)).toEqual([]); // the failed write left nothing behind
  });
});

describe('decorators without the transformer', () => {
  it('@persistent used bare throws TransformerNotConfiguredError with the setup hint', () => {
    const ctx = { kind: 'class', name: 'Bare' } as ClassDecoratorContext<typeof DataClayObject>;
    expect(() => persistent(class Bare extends DataClayObject {}, ctx)).toThrow(TransformerNotConfiguredError);
    expect(() => persistent(class Bare extends DataClayObject {}, ctx)).toThrow(/tspc.*"transform"/);
  });

  it('@persistent used bare by a legacy-decorators program (no context) throws too, naming the vite plugin', () => {
    expect(() => persistent(class Legacy extends DataClayObject {})).toThrow(TransformerNotConfiguredError);
    expect(() => persistent(class Legacy extends DataClayObject {})).toThrow(/dataclay\/vite/);
  });

  it('@persistent({ name }) without the transformer throws too', () => {
    const decorate = persistent({ name: 'x.Y' });
    expect(() => decorate(class Y extends DataClayObject {}, { kind: 'class', name: 'Y' } as never)).toThrow(
      TransformerNotConfiguredError,
    );
  });

  it('constructing a subclass the transformer never saw throws', () => {
    class Undecorated extends DataClayObject {}
    expect(() => new Undecorated()).toThrow(TransformerNotConfiguredError);
  });

  it('@activemethod keeps local calls local', async () => {
    const wrapped = activemethod(
      async function (this: DataClayObject) {
        return (this as Person).name;
      },
      { kind: 'method', name: 'm' } as never,
    );
    expect(await wrapped.call(new Person('Me', 1))).toBe('Me');
  });
});

describe('identity map', () => {
  it('holds one instance per id', () => {
    const map = new IdentityMap();
    const p = new Person('A', 1);
    map.add(p);
    expect(map.get(p.id)).toBe(p);
    map.delete(p.id);
    expect(map.get(p.id)).toBeUndefined();
  });
});

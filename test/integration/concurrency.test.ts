// Operations racing on the same new objects: one registration each, nothing written meanwhile is lost.
import { describe, expect, it } from 'vitest';
import { NotLocalError } from '../../src/index.js';
import { Person } from '../models/index.js';
import { uniqueAlias, useClient, waitFor } from '../setup/helpers.js';

const shared = useClient();

const registrations = async (id: string) =>
  (await shared.admin.listObjects({ limit: 1_000_000 })).filter((o) => o.id === id).length;

describe('concurrent persistence of the same objects', () => {
  it('two makePersistent calls at once register the object once', async () => {
    const p = new Person('Twice', 1);
    const alias = uniqueAlias();
    await Promise.all([
      p.makePersistent({ backendId: 'backend-1' }),
      p.makePersistent({ alias, backendId: 'backend-1' }),
    ]);
    expect(p.backendId).toBe('backend-1');
    expect(await registrations(p.id)).toBe(1);
    expect(await Person.getByAlias(alias)).toBe(p);
  });

  it('a new object passed to two backends at once is registered on one of them only', async () => {
    const a = new Person('A', 1);
    const b = new Person('B', 1);
    await a.makePersistent({ backendId: 'backend-1' });
    await b.makePersistent({ backendId: 'backend-2' });
    const z = new Person('Z', 1);
    expect(await Promise.all([a.greet(z), b.greet(z)])).toEqual(['A greets Z', 'B greets Z']);
    expect(await registrations(z.id)).toBe(1);
    expect(['backend-1', 'backend-2']).toContain(z.backendId);
  });

  it('while a persist is in flight, sync writes throw and operations wait: nothing is silently lost', async () => {
    const p = new Person('Transit', 1);
    const persisting = p.makePersistent({ backendId: 'backend-3' });
    p.age = 41; // before the batch is taken: part of what is persisted
    await waitFor(() => !p.isLocal, { intervalMs: 0, what: 'the batch on its way' }); // polled every turn
    expect(() => {
      p.age = 42;
    }).toThrow(NotLocalError);
    const year = p.addYear(); // waits for the persist, then runs on backend-3
    await persisting;
    expect(await year).toBe(42);
    expect(await p.dcGet('age')).toBe(42);
  });

  it('a persist that fails leaves the objects local and unchanged', async () => {
    const alias = uniqueAlias();
    await new Person('Holder', 1).makePersistent({ alias });
    const p = new Person('Rolled back', 7);
    const friend = new Person('Friend', 8);
    p.friends = [friend];
    await expect(p.makePersistent({ alias })).rejects.toThrow(/already exists/);
    expect(p.isLocal).toBe(true);
    expect(p.isRegistered).toBe(false);
    expect([p.name, p.age, p.friends[0]]).toEqual(['Rolled back', 7, friend]);
    expect(friend.isLocal).toBe(true);
    p.age = 8; // plain again
    await p.makePersistent();
    expect(await p.dcGet('age')).toBe(8);
  });

  it('1,000 makePersistent, calls and aliases in flight at once', async () => {
    const people = Array.from({ length: 1000 }, (_, i) => new Person(`P${i}`, i));
    const prefix = uniqueAlias('many');
    await Promise.all(people.map((p, i) => p.makePersistent({ alias: `${prefix}-${i}` })));
    const years = await Promise.all(people.map((p) => p.addYear()));
    expect(years).toEqual(people.map((_, i) => i + 1));
    const found = await Promise.all(people.map((_, i) => Person.getByAlias(`${prefix}-${i}`)));
    expect(found.every((f, i) => f === people[i])).toBe(true);
  });
});

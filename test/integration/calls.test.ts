// Active methods: in place on local objects, on the owner once persistent; remote fields, errors, timeouts;
// read-only methods.
import { describe, expect, it } from 'vitest';
import { FieldNotFoundError, NotLocalError, RemoteError, TimeoutError } from '../../src/index.js';
import { BankAccount, Counter, Holder, Person } from '../models/index.js';
import { testClient, useClient, waitFor } from '../setup/helpers.js';

useClient(); // the models below need a started client

describe('active methods', () => {
  it('run in place on a local (new) object', async () => {
    const p = new Person('Local', 10);
    expect(await p.addYear()).toBe(11);
    expect(p.age).toBe(11); // plain field, in this process
    expect(await p.dcGet('age')).toBe(11);
    await p.dcSet('age', 20);
    expect(p.age).toBe(20);
  });

  it('run on the owning backend once persistent, and change its state there', async () => {
    const p = new Person('Remote', 10);
    await p.makePersistent({ backendId: 'backend-3' });
    expect(await p.whereAmI()).toBe('backend-3');
    expect(await p.addYear()).toBe(11);
    expect(await p.addYear()).toBe(12);
    expect(await p.dcGet('age')).toBe(12);
  });

  it('a sync read or write of a field on a remote object throws NotLocalError naming dcGet/dcSet', async () => {
    const p = new Person('Guarded', 1);
    await p.makePersistent();
    expect(() => p.age).toThrow(NotLocalError);
    expect(() => p.age).toThrow(/dcGet\('age'\)/);
    expect(() => {
      p.name = 'x';
    }).toThrow(/dcSet\('name', value\)/);
    const err = (() => {
      try {
        return p.age;
      } catch (e) {
        return e as NotLocalError;
      }
    })() as NotLocalError;
    expect(err.data).toMatchObject({ field: 'age', objectId: p.id, backendId: p.backendId });
    expect(await p.dcGet('name')).toBe('Guarded'); // nothing changed remotely
  });

  it('dcGet/dcSet read and write remote fields, references included', async () => {
    const p = new Person('Setter', 1);
    const q = new Person('Other', 2);
    await p.makePersistent({ backendId: 'backend-1' });
    await q.makePersistent({ backendId: 'backend-2' });
    await p.dcSet('name', 'Renamed');
    expect(await p.dcGet('name')).toBe('Renamed');
    await p.dcSet('spouse', q);
    expect(await p.dcGet('spouse')).toBe(q);
    expect(await p.spouseName()).toBe('Other');
    await expect(p.dcGet('nope' as 'name')).rejects.toBeInstanceOf(FieldNotFoundError);
  });

  it('a returned field value is a copy: mutating it changes nothing until it is set back', async () => {
    const p = new Person('Copy', 1);
    await p.makePersistent();
    const tags = await p.dcGet('tags');
    tags.add('local-only');
    expect(await p.dcGet('tags')).toEqual(new Set());
    await p.dcSet('tags', tags);
    expect(await p.dcGet('tags')).toEqual(new Set(['local-only']));
  });

  it('an active method on backend A calls an object on backend B', async () => {
    const a = new Person('OnA', 1);
    const b = new Person('OnB', 2);
    await a.makePersistent({ backendId: 'backend-1' });
    await b.makePersistent({ backendId: 'backend-2' });
    expect(await a.greet(b)).toBe('OnA greets OnB');
    await a.marry(b); // A sets its own field and B's field through B's backend
    expect(await b.dcGet('spouse')).toBe(a);
    expect(await b.spouseName()).toBe('OnA');
  });

  it('objects created by an active method are persistent on that backend', async () => {
    const parent = new Person('Parent', 40);
    await parent.makePersistent({ backendId: 'backend-2' });
    const child = await parent.adopt('Child');
    expect(child.isRegistered).toBe(true);
    expect(child.isLocal).toBe(false);
    expect(child.backendId).toBe('backend-2');
    expect(await child.dcGet('name')).toBe('Child');
    expect(await Person.getById(child.id)).toBe(child);
    expect(await parent.friendNames()).toEqual(['Child']);
  });

  it('new objects passed as arguments become persistent on the way', async () => {
    const p = new Person('Host', 1);
    await p.makePersistent({ backendId: 'backend-3' });
    const guest = new Person('Guest', 2);
    expect(await p.greet(guest)).toBe('Host greets Guest');
    expect(guest.isRegistered).toBe(true);
    expect(guest.backendId).toBe('backend-3');
  });

  it('an exception thrown in an active method arrives as RemoteError with its name and message', async () => {
    const p = new Person('Thrower', 1);
    await p.makePersistent();
    const err = await p.fail('out of range!').catch((e) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err.remoteName).toBe('RangeError');
    expect(err.remoteMessage).toBe('out of range!');
    expect(err.remoteStack).toContain('fail');
    expect(err.remoteFields).toEqual({});
    expect(await p.addYear()).toBe(2); // the backend keeps serving
  });

  it("a user's own error class keeps its class name and the fields that can travel", async () => {
    const account = new BankAccount('ann', 10);
    await account.makePersistent();
    const err = await account.withdraw(15).catch((e) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err.remoteName).toBe('InsufficientFunds');
    expect(err.message).toBe('InsufficientFunds: ann is short by 5');
    expect(err.remoteFields).toEqual({ account: 'ann', shortBy: 5 }); // its function field cannot travel
    expect(await account.withdraw(4)).toBe(6); // the backend keeps serving
  });

  it('a call that outlives its timeout rejects with TimeoutError', async () => {
    const p = new Person('Slow', 1);
    await p.makePersistent();
    await using _impatient = await testClient({ timeoutMs: 200 }); // the active client, for this test only
    const slow = await Person.getById(p.id);
    const err = await slow.sleep(1_000).catch((e) => e); // deliberately longer than the 200 ms allowed
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.data.timeoutMs).toBe(200);
    expect(await slow.sleep(10)).toBe(10);
  });
});

describe('read-only methods', () => {
  it('a read-only method keeps working after a referent moved away', async () => {
    const h = new Holder();
    const ref = new Counter();
    h.ref = ref;
    await h.makePersistent({ backendId: 'backend-1' });
    expect(await h.peek()).toBe(0);
    await ref.move('backend-2'); // backend-1's instance of it now hints backend-2
    for (let i = 0; i < 3; i++) expect(await h.peek()).toBe(0);
  });

  it('a read-only call during a write neither fails nor undoes the write', async () => {
    const h = new Holder();
    await h.makePersistent({ backendId: 'backend-1' });
    const write = h.slowWrite();
    // read until the write is seen under way (it pauses between its two increments)
    const during = await waitFor(() => h.peek(), { until: (n) => n !== 0, what: 'the write under way' });
    expect([1]).toContain(during);
    expect(await write).toBe(2);
    expect(await h.dcGet('count')).toBe(2);
  });
});

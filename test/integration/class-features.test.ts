// Value classes, inheritance, accessors, local-only fields, defaults, state hooks (with replicas and moves too),
// automatic persistence.
import { describe, expect, it } from 'vitest';
import { ClassNotFoundError, MethodNotFoundError, UnserializableError } from '../../src/index.js';
import { Circle, Person, Point, Shape, Vault } from '../models/index.js';
import { uniqueAlias, useClient } from '../setup/helpers.js';

const shared = useClient();

describe('value classes', () => {
  it('travel by value and come back with their prototype, both ways', async () => {
    const s = new Shape('sq');
    s.origin = new Point(3, 4);
    await s.makePersistent();
    expect(await s.describe()).toBe('sq@3,4 (Point 5)'); // the backend sees a Point
    const moved = await s.moveBy(new Point(1, 1));
    expect(moved).toBeInstanceOf(Point);
    expect(moved.norm()).toBeCloseTo(Math.hypot(4, 5));
    const history = await s.dcGet('history');
    expect(history[0]).toBeInstanceOf(Point);
  });
});

describe('inheritance and accessors', () => {
  it('a subclass has the fields and active methods of its persistent base', async () => {
    const c = new Circle('c');
    c.radius = 2;
    await c.makePersistent();
    expect(await c.area()).toBeCloseTo(Math.PI * 4);
    await c.moveBy(new Point(1, 0));
    expect((await c.dcGet('origin')).x).toBe(1);
    expect(await c.dcGet('radius')).toBe(2);
  });

  it('an override of an active method runs remotely once, on the owner', async () => {
    const c = new Circle('o');
    await c.makePersistent();
    expect(await c.describe()).toBe('circle o@0,0 (Point 0)');
  });

  it('getters and setters work on local objects and inside active methods', async () => {
    const s = new Shape('x');
    expect(s.label).toBe('x@0,0');
    s.label = 'y@whatever';
    expect(s.name).toBe('y');
    await s.makePersistent();
    expect(await s.describe()).toMatch(/^y@0,0/);
    expect(() => s.label).toThrow(/dcGet\('name'\)/); // on a proxy the getter reads a remote field
  });
});

describe('local-only fields and defaults', () => {
  it('never travel: the proxy keeps its own value, the backend never sees it', async () => {
    const s = new Shape('cached');
    s.cache.set('k', 1);
    await s.makePersistent();
    expect(s.cache.get('k')).toBe(1); // still here, a plain property
    expect(await s.cacheSize()).toBe(-1); // undefined on the backend: not part of the state
    const info = await shared.client.getClassInfo('test/models/shapes.Shape');
    expect(info.fields.map((f) => f.name)).toEqual(['name', 'origin', 'history']);
  });

  it('field defaults apply to new objects and travel with them', async () => {
    const c = new Circle('d');
    expect(c.radius).toBe(1);
    await c.makePersistent();
    expect(await c.dcGet('radius')).toBe(1);
    expect(await c.dcGet('history')).toEqual([]);
  });
});

describe('state hooks', () => {
  it('replace field-based state: what travels is dcGetState()', async () => {
    const v = new Vault('abc');
    await v.makePersistent();
    expect(await v.reveal()).toEqual(['abc', 1]); // restored once, on the backend, from the hook's state
    const copy = await v.dcClone();
    expect(copy.secret).toBe('abc');
  });

  it('a state-hook object keeps its replica through a write', async () => {
    const v = new Vault('abc');
    await v.makePersistent({ backendId: 'backend-1' });
    await v.newReplica('backend-2');
    expect((await shared.metadata(v.id))!.replicas).toEqual(['backend-2']);
    await v.dcSet('secret', 'xyz');
    expect((await shared.metadata(v.id))!.replicas).toEqual(['backend-2']);
  });

  it('a state-hook object moves to the backend holding its replica', async () => {
    const v = new Vault('abc');
    await v.makePersistent({ backendId: 'backend-1' });
    await v.newReplica('backend-2');
    await v.move('backend-2');
    expect((await shared.metadata(v.id))!.master).toBe('backend-2');
    expect((await v.reveal())[0]).toBe('abc');
  });

  it('after a move to the backend holding its replica, writes and reads agree (state hooks)', async () => {
    const v = new Vault('abc');
    await v.makePersistent({ backendId: 'backend-1' });
    await v.newReplica('backend-2');
    await v.move('backend-2');
    expect(v.backendId).toBe('backend-2');
    await v.dcSet('secret', 'new');
    const reads = new Set<string>();
    for (let i = 0; i < 20; i++) reads.add(await v.dcGet('secret'));
    expect([...reads]).toEqual(['new']);
  });
});

describe('automatic persistence', () => {
  it('objects constructed in an active method are persistent there, in the caller dataset', async () => {
    const p = new Person('Maker', 1);
    await p.makePersistent({ backendId: 'backend-1' });
    expect(await shared.client.run({ dataset: 'ds-auto' }, () => p.makeFriends('x', 'y'))).toBe(2);
    const friends = await p.dcGet('friends');
    expect(friends).toHaveLength(2);
    for (const f of friends) {
      expect(f.isRegistered).toBe(true);
      expect(f.backendId).toBe('backend-1');
    }
    const alias = uniqueAlias();
    await friends[0].addAlias(alias); // in the object's dataset: the caller's, ds-auto
    expect(await Person.getByAlias(alias, 'ds-auto')).toBe(friends[0]);
    expect(await Person.getById(friends[1].id)).toBe(friends[1]);
  });

  it('a new object assigned with dcSet becomes persistent on the owner', async () => {
    const p = new Person('Owner', 1);
    await p.makePersistent({ backendId: 'backend-2' });
    const spouse = new Person('Assigned', 2);
    await p.dcSet('spouse', spouse);
    expect(spouse.isRegistered).toBe(true);
    expect(spouse.backendId).toBe('backend-2');
    expect(await p.spouseName()).toBe('Assigned');
  });
});

describe('class info and unknown names', () => {
  it('describes fields and active methods, inherited ones included', async () => {
    const info = await shared.client.getClassInfo('test/models/shapes.Circle');
    expect(info.fields.map((f) => f.name)).toEqual(['name', 'origin', 'history', 'radius']);
    expect(info.methods.map((m) => m.name)).toEqual(expect.arrayContaining(['describe', 'moveBy', 'area']));
    expect(info.methods.find((m) => m.name === 'moveBy')).toEqual({
      name: 'moveBy',
      params: [{ name: 'by', type: 'Point' }],
      returns: 'Promise<Point>',
    });
  });

  it('an unknown class or method is a typed error and the backends keep serving', async () => {
    await expect(shared.client.getClassInfo('no/such.Class')).rejects.toBeInstanceOf(ClassNotFoundError);
    const p = new Person('Still', 1);
    await p.makePersistent();
    const { currentRuntime } = await import('../../src/object/runtime-slot.js');
    await expect(currentRuntime().call(p, 'notAMethod', [])).rejects.toBeInstanceOf(MethodNotFoundError);
    expect(await p.addYear()).toBe(2);
  });
});

describe('values that cannot travel', () => {
  it('are refused before sending, with the path to the culprit', async () => {
    const p = new Person('Strict', 1);
    await p.makePersistent();
    const err = await p.echo({ company: { employees: [1, 2, 3, { onChange: () => 0 }] } }).catch((e) => e);
    expect(err).toBeInstanceOf(UnserializableError);
    expect(err.data.path).toBe('Person.echo() args[0].company.employees[3].onChange');
    class Unregistered {
      x = 1;
    }
    const err2 = await p.dcSet('tags', new Set([new Unregistered() as unknown as string])).catch((e) => e);
    expect(err2).toBeInstanceOf(UnserializableError);
    expect(err2.message).toMatch(/Person.tags<item 0> cannot be serialized: an instance of Unregistered/);
  });

  it('in a result, come back as UnserializableError from the backend', async () => {
    const s = new Shape('f');
    await s.makePersistent();
    const err = (await s.returnsFunction().catch((e) => e)) as UnserializableError;
    expect(err).toBeInstanceOf(UnserializableError);
    expect(err.data.path).toBe('result.onChange');
    expect(await s.cacheSize()).toBe(-1);
  });

  it('in makePersistent, nothing is persisted', async () => {
    const p = new Person('Bad', 1);
    (p as unknown as { scores: unknown }).scores = new Map([['k', Symbol('s')]]);
    const err = await p.makePersistent().catch((e) => e);
    expect(err).toBeInstanceOf(UnserializableError);
    expect(err.data.path).toBe('Person.scores.get("k")');
    expect(p.isRegistered).toBe(false);
  });
});

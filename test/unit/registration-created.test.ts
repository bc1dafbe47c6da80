// The authorizer learns an object's dataset from this backend's own registration (registration.ts `created`), so
// a first request for it is checked without a metadata read. Only a registration that ended acknowledged may
// teach it: a refused one (another dataset's object of the same id) must leave no trace. Fakes for the store and
// the metadata: a pure unit test of when `created` is told.
import { describe, expect, it } from 'vitest';
import { AlreadyPersistentError } from '../../src/index.js';
import { IdentityMap } from '../../src/internal.js';
import { Heap } from '../../src/backend/heap.js';
import { Registrar } from '../../src/backend/registration.js';
import type { Session } from '../../src/object/context.js';
import { STATE } from '../../src/object/state.js';
import type { ObjectFacts } from '../../src/security/authorizer.js';
import { Person } from '../models/index.js';

/** A registrar whose metadata refuses the ids in `taken` (persistent elsewhere); what `created` was told. */
function registrar(taken: Set<string>, failRecords = false) {
  const told: [string, ObjectFacts][] = [];
  const registrar = new Registrar({
    backendId: 'me',
    heap: new Heap(),
    identity: new IdentityMap(),
    objects: {
      has: () => false,
      remove: async () => undefined,
      putIntent: async () => true,
      removeIntent: async () => true,
      retireIntent: () => undefined,
    },
    store: {
      createObject: async (md: { id: string }) => {
        if (taken.has(md.id)) throw new AlreadyPersistentError(md.id, 'elsewhere');
        return 1;
      },
      deleteObject: async () => undefined,
      getObject: async () => undefined,
    } as unknown as ConstructorParameters<typeof Registrar>[0]['store'],
    save: async () => {
      if (failRecords) throw new Error('disk full');
    },
    created: (id, facts) => void told.push([id, facts]),
  });
  return { registrar, told };
}

const session = { username: 'bob', dataset: 'bobs' } as Session;

describe('the registrar tells what it created', () => {
  it('of each acknowledged group, with its dataset and class; nothing of a refused one', async () => {
    const [a, b, c] = [new Person('a', 1), new Person('b', 2), new Person('c', 3)];
    const { registrar: r, told } = registrar(new Set([b.id]));
    const outcomes = await r.registerEach([[a], [b, c]], session, true);
    expect(outcomes[0]).toBeUndefined();
    expect(outcomes[1]).toBeInstanceOf(AlreadyPersistentError);
    expect(told).toEqual([[a.id, { dataset: 'bobs', className: a[STATE].info.name }]]);
  });

  it('nothing when a single registration is refused or its records fail', async () => {
    const p = new Person('p', 1);
    const refused = registrar(new Set([p.id]));
    await expect(refused.registrar.register([p], session)).rejects.toBeInstanceOf(AlreadyPersistentError);
    expect(refused.told).toEqual([]);
    const q = new Person('q', 1);
    const failed = registrar(new Set(), true);
    await expect(failed.registrar.register([q], session)).rejects.toThrow('disk full');
    expect(failed.told).toEqual([]);
  });
});

// Type tests: tsc checks these when the suite is built; vitest runs them as (trivial) tests.
import { describe, expectTypeOf, it } from 'vitest';
import type { DataOf, Remote, StubClass, StubObject } from '../../src/index.js';
import type { Person } from '../models/index.js';
import type { Dog, Family, FamilyFields } from '../../samples/stubs-client/generated/index.js';

describe('Remote<T>', () => {
  it('has no data fields: they are reached through typed async accessors', () => {
    expectTypeOf<Remote<Person>>().not.toHaveProperty('age');
    expectTypeOf<Remote<Person>>().not.toHaveProperty('name');
    expectTypeOf<Remote<Person>['dcGet']>().toBeFunction();
    expectTypeOf<ReturnType<Remote<Person>['dcGet']>>().toEqualTypeOf<Promise<Person[keyof DataOf<Person>]>>();
  });

  it('keeps active methods, returning Promises', () => {
    expectTypeOf<Remote<Person>['addYear']>().returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf<Remote<Person>['greet']>().parameters.toEqualTypeOf<[Person]>();
    expectTypeOf<Remote<Person>['makePersistent']>().toBeFunction();
  });
});

describe('stub types', () => {
  it('generated stubs type fields through dcGet and methods with the model types', () => {
    expectTypeOf<Family['census']>().returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf<Family['addMember']>().parameters.toEqualTypeOf<[name: string, age: number]>();
    expectTypeOf<FamilyFields['members']>().toEqualTypeOf<
      import('../../samples/stubs-client/generated/index.js').Person[]
    >();
    expectTypeOf<Family>().not.toHaveProperty('surname');
    expectTypeOf<ReturnType<Dog['bark']>>().toEqualTypeOf<Promise<string>>();
  });

  it('StubObject<F> types dcGet and dcSet by field', () => {
    type S = StubObject<{ n: number; s: string }>;
    expectTypeOf<Parameters<S['dcGet']>[0]>().toEqualTypeOf<'n' | 's'>();
    expectTypeOf<StubClass<S, [number]>['create']>().parameters.toEqualTypeOf<[number]>();
    expectTypeOf<ReturnType<StubClass<S, [number]>['create']>>().toEqualTypeOf<Promise<S>>();
  });
});

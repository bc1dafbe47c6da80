// Argument checks of remote calls and constructions, on the test models' declared parameter types.
import { describe, expect, it } from 'vitest';
import { DataClayError, InvalidArgumentError, type MethodMeta } from '../../src/index.js';
import {
  checkArguments,
  checkConstructorArguments,
  classInfoByName,
  DataClayObject,
  newProxy,
} from '../../src/internal.js';
import { Chain, Circle, Counter, Person, Point, Shape } from '../models/index.js';

const person = classInfoByName('test/models/people.Person');
const shape = classInfoByName('test/models/shapes.Shape');
const counter = classInfoByName('test/models/counters.Counter');

function call(info: typeof person, method: string, ...args: unknown[]): void {
  checkArguments(info, info.methods.get(method)!, args);
}

function refusal(fn: () => void): InvalidArgumentError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err).toBeInstanceOf(DataClayError);
    return err as InvalidArgumentError;
  }
  throw new Error('expected an InvalidArgumentError');
}

/** A method of Person declared with one parameter of `type`. */
function checkAs(type: string, value: unknown, optional = false): boolean {
  const meta: MethodMeta = {
    name: 'm',
    params: [{ name: 'p', type, ...(optional ? { optional: true } : {}) }],
    returns: 'Promise<void>',
  };
  try {
    checkArguments(person, meta, [value]);
    return true;
  } catch (err) {
    if (err instanceof InvalidArgumentError) return false;
    throw err;
  }
}

describe('arity', () => {
  it('refuses a missing required argument, naming the class, method and parameter', () => {
    const err = refusal(() => call(person, 'sleep'));
    expect(err.data).toEqual({
      className: 'test/models/people.Person',
      method: 'sleep',
      parameter: 'ms',
      expected: 'number',
      got: 'no argument',
    });
    expect(err.message).toBe("test/models/people.Person.sleep(): parameter 'ms' expects number, got no argument");
  });

  it('refuses extra arguments, but not trailing undefineds', () => {
    expect(refusal(() => call(person, 'sleep', 5, 6)).data).toMatchObject({
      parameter: 'arguments',
      expected: 'at most 1 argument',
      got: '2',
    });
    expect(() => call(person, 'sleep', 5, undefined)).not.toThrow();
    expect(refusal(() => call(person, 'addYear', 1)).data.expected).toBe('at most 0 arguments');
  });

  it('accepts optional parameters omitted or undefined', () => {
    expect(() => call(counter, 'whoAmI')).not.toThrow();
    expect(() => call(counter, 'whoAmI', undefined)).not.toThrow();
    expect(() => call(counter, 'whoAmI', new Counter())).not.toThrow();
    expect(refusal(() => call(counter, 'whoAmI', 'me')).data.got).toBe('string "me"');
  });

  it('checks each argument a rest parameter collects, and any number of them', () => {
    expect(() => call(person, 'makeFriends')).not.toThrow();
    expect(() => call(person, 'makeFriends', 'a', 'b', 'c')).not.toThrow();
    expect(refusal(() => call(person, 'makeFriends', 'a', 2)).data).toMatchObject({
      parameter: 'names[1]',
      expected: 'string',
      got: 'number 2',
    });
  });
});

describe('primitives and literals', () => {
  it('refuses a string for a number (the NaN and "0abc" of issue 11), and says what it got', () => {
    expect(() => call(person, 'sleep', 5)).not.toThrow();
    expect(refusal(() => call(person, 'sleep', 'abc')).data.got).toBe('string "abc"');
    expect(refusal(() => call(counter, 'pingPong', new Counter(), '3')).data).toMatchObject({
      parameter: 'depth',
      expected: 'number',
      got: 'string "3"',
    });
  });

  it('checks unions of literals', () => {
    expect(() => call(person, 'throwOdd', 'string')).not.toThrow();
    expect(refusal(() => call(person, 'throwOdd', 'other')).data).toMatchObject({
      expected: person.methods.get('throwOdd')!.params[0].type, // the checker's text: "string" | "null-proto"
      got: 'string "other"',
    });
  });

  it.each([
    ['number', [0, -1.5, Number.NaN], ['1', null, undefined, 1n]],
    ['string', ['', 'x'], [1, null, undefined, ['x']]],
    ['boolean', [true, false], [0, 'true', null]],
    ['bigint', [0n, 2n ** 70n], [0, '0']],
    ['undefined', [undefined], [null, 0]],
    ['null', [null], [undefined, 0]],
    ['boolean | undefined', [true, undefined], [null, 1]],
    ['string | number | null', ['a', 1, null], [undefined, true]],
    ['10n', [10n], [10, 11n]],
    ['-1', [-1], [1, '-1']],
    ['true | 1.5 | "q\\"x"', [true, 1.5, 'q"x'], [false, 1, 'q']],
    ['"a" | "b" | "c" | "d"', ['a', 'd'], ['e', 0]],
    ['object', [{}, [], new Map()], [null, 1, 'x']],
    ['string & {}', ['x'], [1]],
  ])('%s', (type, accepted, refused) => {
    for (const v of accepted) expect(checkAs(type, v), `${type} accepts ${String(v)}`).toBe(true);
    for (const v of refused) expect(checkAs(type, v), `${type} refuses ${String(v)}`).toBe(false);
  });
});

describe('arrays, tuples and built-in classes', () => {
  it.each([
    ['number[]', [[], [1, 2]], [[1, '2'], 'x', {}, null]],
    ['Array<number>', [[1]], [['1']]],
    ['readonly string[]', [['a']], [[1]]],
    ['(string | number)[]', [['a', 1]], [[true]]],
    ['number[][]', [[[1], []]], [[1], [['1']]]],
    ['[a: string, b?: number | undefined]', [['a'], ['a', 1], ['a', undefined]], [[], [1], ['a', 'b'], ['a', 1, 2]]],
    ['[string, ...number[]]', [['a'], ['a', 1, 2]], [[], ['a', 'b']]],
    ['Map<string, number>', [new Map()], [{}, []]],
    ['ReadonlySet<string>', [new Set()], [[]]],
    ['Date', [new Date()], [Date.now(), '2020-01-01']],
    ['Uint8Array<ArrayBufferLike>', [new Uint8Array(1), Buffer.from('x')], [[1], 'x']],
    ['Float64Array', [new Float64Array(1)], [new Uint8Array(1)]],
  ])('%s', (type, accepted, refused) => {
    for (const v of accepted) expect(checkAs(type, v), `${type} accepts ${JSON.stringify(v)}`).toBe(true);
    for (const v of refused) expect(checkAs(type, v), `${type} refuses ${JSON.stringify(v)}`).toBe(false);
  });

  it('says which element of an array is wrong', () => {
    const meta: MethodMeta = { name: 'sum', params: [{ name: 'xs', type: 'number[]' }], returns: 'Promise<number>' };
    expect(refusal(() => checkArguments(person, meta, [[1, 2, 'three']])).data.got).toBe(
      'an array whose [2] is string "three"',
    );
  });
});

describe('persistent and value classes', () => {
  it('accepts an instance of the class, local or a proxy, and refuses others', () => {
    expect(() => call(person, 'greet', new Person('Bo', 1))).not.toThrow();
    const proxy = newProxy(person, 'id-1', 'backend-9');
    expect(() => call(person, 'greet', proxy)).not.toThrow();
    expect(refusal(() => call(person, 'greet', new Counter())).data).toMatchObject({
      parameter: 'other',
      expected: 'Person',
      got: 'an object of class test/models/counters.Counter',
    });
    expect(refusal(() => call(person, 'greet', { name: 'Bo' })).data.got).toBe('a plain object');
    expect(refusal(() => call(person, 'greet', null)).data.got).toBe('null');
  });

  it('accepts subclasses, and null where the type allows it', () => {
    expect(checkAs('Shape', new Circle('c'))).toBe(true);
    expect(checkAs('Circle', new Shape('s'))).toBe(false);
    expect(checkAs('Person | null', null)).toBe(true);
    expect(checkAs('Person | null', new Person('A', 1))).toBe(true);
    expect(checkAs('Person | null', undefined)).toBe(false);
    expect(checkAs('Person[]', [new Person('A', 1), new Circle('c')])).toBe(false);
    expect(checkAs('DataClayObject', new Circle('c'))).toBe(true);
  });

  it('accepts an object of a class this process does not know (it cannot judge it)', () => {
    class Elsewhere extends DataClayObject {}
    const info = { ...person, name: 'elsewhere/models.Person', ctor: Elsewhere, open: true };
    expect(checkAs('Person', newProxy(info, 'id-2', 'backend-9'))).toBe(true);
  });

  it('takes a value class structurally: its instances, or objects with its fields (as stub clients send)', () => {
    expect(() => call(shape, 'moveBy', new Point(1, 2))).not.toThrow();
    expect(() => call(shape, 'moveBy', { x: 1, y: 2 })).not.toThrow();
    expect(refusal(() => call(shape, 'moveBy', { x: 1 })).data).toMatchObject({
      expected: 'Point',
      got: 'a plain object',
    });
    expect(refusal(() => call(shape, 'moveBy', 3)).data.got).toBe('number 3');
  });
});

describe('what the checker cannot read', () => {
  it.each([
    'T',
    'any',
    'unknown',
    'never',
    '() => void',
    '(a: string) => number',
    '{ x: number; y?: string | undefined; }',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal type, as the checker prints it
    '`a${string}`',
    'Color.Red',
    'keyof Person',
    'Record<string, number>',
    'Promise<number>',
    'Named',
    'import("./people").Person',
    'A extends B ? C : D',
    'string | (() => void)',
    '[string?, number',
  ])('%s accepts anything', (type) => {
    for (const v of [undefined, null, 1, 'x', [], {}, new Counter()]) expect(checkAs(type, v)).toBe(true);
  });

  it('accepts anything for a generic parameter', () => {
    expect(() => call(person, 'echo', { any: 'thing' })).not.toThrow();
    expect(() => call(person, 'echo')).not.toThrow();
  });
});

describe('constructors', () => {
  it('checks the parameters of a remote construction', () => {
    expect(() => checkConstructorArguments(person, ['Ann', 30])).not.toThrow();
    expect(refusal(() => checkConstructorArguments(person, ['Ann'])).data).toEqual({
      className: 'test/models/people.Person',
      method: 'constructor',
      parameter: 'age',
      expected: 'number',
      got: 'no argument',
    });
    expect(refusal(() => checkConstructorArguments(person, [30, 'Ann'])).data.parameter).toBe('name');
  });

  it('accepts defaulted parameters omitted, and anything for a class without a declared constructor', () => {
    const chain = classInfoByName('test/models/storage.Chain');
    expect(() => checkConstructorArguments(chain, [1])).not.toThrow();
    expect(() => checkConstructorArguments(chain, [1, null])).not.toThrow();
    expect(() => checkConstructorArguments(chain, [1, new Chain(2)])).not.toThrow();
    expect(refusal(() => checkConstructorArguments(chain, [1, 'next'])).data.expected).toBe('Chain | null');
    expect(() => checkConstructorArguments(counter, [1, 2, 3])).not.toThrow();
  });
});

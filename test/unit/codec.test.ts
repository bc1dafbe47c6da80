import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { DoesNotExistError, ProtocolError } from '../../src/index.js';
import type { DataClayObject } from '../../src/internal.js';
import { decode, encode } from '../../src/internal.js';
import { classInfoOrPlaceholder, collectUnregistered, newProxy, refsIn } from '../../src/internal.js';
import { Person } from '../models/index.js';

const roundTrip = <T>(v: T): T => decode<T>(encode(v));

describe('codec: values', () => {
  it.each([
    ['numbers', [0, -1, 1.5, 2 ** 40, -(2 ** 53), Number.MAX_SAFE_INTEGER, NaN, Infinity]],
    ['strings', ['', 'héllo', 'x'.repeat(10_000)]],
    ['booleans and nulls', [true, false, null, undefined]],
    ['bigints', [0n, 5n, -3n, 2n ** 70n, -(2n ** 64n)]],
    ['dates', [new Date(0), new Date(1_700_000_000_123)]],
    ['bytes', [new Uint8Array([]), new Uint8Array([0, 255, 7])]],
  ])('round-trips %s', (_name, values) => {
    for (const v of values) expect(roundTrip(v)).toEqual(v);
  });

  it('keeps Map and Set apart from plain objects, with any keys', () => {
    const value = {
      plain: { a: 1 },
      map: new Map<unknown, unknown>([
        [1, 'one'],
        [{ k: 1 }, 'obj'],
        ['s', new Map()],
      ]),
      set: new Set(['a', 1]),
      empty: {},
    };
    const back = roundTrip(value);
    expect(back).toEqual(value);
    expect(back.plain.constructor).toBe(Object);
    expect(back.map).toBeInstanceOf(Map);
    expect([...back.map.keys()][1]).toEqual({ k: 1 });
    expect(back.set).toBeInstanceOf(Set);
  });

  it('keeps undefined fields and nested arrays', () => {
    const back = roundTrip({ u: undefined, nested: [[1, [2, [3, { d: [4] }]]]] });
    expect(Object.hasOwn(back, 'u')).toBe(true);
    expect(back.nested).toEqual([[1, [2, [3, { d: [4] }]]]]);
  });

  it("keeps an error value's class (built-in or the library's), name, message, cause and own fields", () => {
    const range = Object.assign(new RangeError('too big', { cause: new TypeError('inner') }), { limit: 5 });
    const back = roundTrip({ range, lib: new DoesNotExistError('some-id') });
    expect(back.range).toBeInstanceOf(RangeError);
    expect(back.range.message).toBe('too big');
    expect(back.range.limit).toBe(5);
    expect(back.range.cause).toBeInstanceOf(TypeError);
    expect((back.range.cause as Error).message).toBe('inner');
    expect(back.lib).toBeInstanceOf(DoesNotExistError);
    expect(back.lib.message).toBe(new DoesNotExistError('some-id').message);
    expect(back.lib.data).toEqual(new DoesNotExistError('some-id').data);
    const all = roundTrip(new AggregateError([new Error('a'), 2], 'both'));
    expect(all).toBeInstanceOf(AggregateError);
    expect(all.errors).toEqual([new Error('a'), 2]);
    expect((all.errors[0] as Error).message).toBe('a');
  });

  it("sends an error of a user's class as an Error under its name, with its fields", () => {
    class InsufficientFunds extends Error {
      constructor(readonly shortBy: number) {
        super(`short by ${shortBy}`);
        this.name = 'InsufficientFunds';
      }
    }
    const back = roundTrip(new InsufficientFunds(7));
    expect(back).toBeInstanceOf(Error);
    expect(back.constructor).toBe(Error);
    expect(back.name).toBe('InsufficientFunds');
    expect(back.message).toBe('short by 7');
    expect(back.shortBy).toBe(7);
    expect(back.stack).toBe('InsufficientFunds: short by 7'); // the sender's frames stay with the sender
  });

  it('leaves out the fields of an error value that cannot travel, and keeps the rest', () => {
    const err = Object.assign(new Error('with a socket'), { code: 'E1', onRetry: () => undefined });
    const back = roundTrip({ err }).err;
    expect(back.message).toBe('with a socket');
    expect(back.code).toBe('E1');
    expect(Object.hasOwn(back, 'onRetry')).toBe(false);
  });

  it('refuses an error value whose name or message is not a string with a ProtocolError', () => {
    const tail = new Packr({ useRecords: false }).pack([5, 'Error', 'm', undefined, {}]);
    const forged = new Uint8Array([0xd4, 0x03, 0x00, ...tail]); // the error extension, as the encoder writes it
    expect(() => decode(forged)).toThrow(ProtocolError);
    const wire = (parts: unknown[]) =>
      new Uint8Array([0xd4, 0x03, 0x00, ...new Packr({ useRecords: false }).pack(parts)]);
    expect(() => decode(wire(['Error', 'E', 'm']))).toThrow(ProtocolError); // too short: no cause, no fields
    expect(decode<Error>(wire(['Error', 'E', 'm', undefined, {}])).message).toBe('m');
  });

  it('rejects garbage with a ProtocolError', () => {
    expect(() => decode(new Uint8Array([0x92, 0x01]))).toThrow(ProtocolError); // array of 2, one element
    expect(() => decode(new Uint8Array([0x01, 0x02]))).toThrow(ProtocolError); // trailing bytes
  });
});

describe('codec: persistent objects travel as references', () => {
  it('encodes an object as [id, class, backend], never its fields', () => {
    const p = new Person('Secret Name', 33);
    const seen: DataClayObject[] = [];
    const bytes = encode({ who: p, again: [p] }, (o) => seen.push(o));
    expect(Buffer.from(bytes).includes(Buffer.from('Secret Name'))).toBe(false);
    expect(seen).toEqual([p, p]);
    const resolved: unknown[] = [];
    const back = decode<{ who: unknown; again: unknown[] }>(bytes, (id, cls, hint) => {
      resolved.push([id, cls, hint]);
      return p;
    });
    expect(resolved[0]).toEqual([p.id, 'test/models/people.Person', null]);
    expect(back.who).toBe(p);
    expect(back.again[0]).toBe(p);
  });

  it('refuses to decode a reference where none is expected', () => {
    expect(() => decode(encode(new Person('x', 1)))).toThrow(ProtocolError);
  });

  it('collects the reachable unregistered graph once per object, cycles included', () => {
    const a = new Person('A', 1);
    const b = new Person('B', 2);
    const c = new Person('C', 3);
    a.spouse = b;
    b.spouse = a;
    b.friends = [c, a];
    c.scores = new Map([['x', 1]]);
    const { objects, records } = collectUnregistered([a]);
    expect(objects).toEqual([a, b, c]);
    expect(records.map(([id]) => id)).toEqual([a.id, b.id, c.id]);
    const stateOfB = decode<Record<string, unknown>>(records[1][2], (id) => ({ ref: id }) as unknown as DataClayObject);
    expect(stateOfB.name).toBe('B');
    expect(stateOfB.spouse).toEqual({ ref: a.id });
    expect(stateOfB.friends).toEqual([{ ref: c.id }, { ref: a.id }]);
  });
});

describe('codec: the references a message holds (refsIn)', () => {
  const proxyOf = (id: string, className = 'test/models/people.Person', hint: string | null = 'backend-2') =>
    newProxy(classInfoOrPlaceholder(className), id, hint ?? undefined);

  it('finds every reference as written, at any depth, short or long', () => {
    const a = proxyOf('a1');
    const long = proxyOf('b2', `x/${'y'.repeat(300)}.Long`, null); // past 255 bytes: a 16-bit extension header
    const message = [['user', 'ds'], 'id', 'greet', [{ nested: [a, new Map([[1, long]])] }, new Uint8Array(1000)]];
    expect(refsIn(encode(message))).toEqual([
      ['a1', 'test/models/people.Person', 'backend-2'],
      ['b2', `x/${'y'.repeat(300)}.Long`, null],
    ]);
  });

  it('finds none where there is none, bytes that look like a header included', () => {
    expect(refsIn(encode([['user', 'ds'], 'id', 'm', [1, 'two', { three: [3] }]]))).toEqual([]);
    expect(refsIn(encode(new Uint8Array([0xd4, 1, 0xc7, 5, 1, 0, 0])))).toEqual([]);
  });

  it('refuses a message it cannot read to the end: references past the fault would go unchecked', () => {
    const bytes = encode([proxyOf('c3'), 'rest', proxyOf('d4')]);
    expect(() => refsIn(bytes.subarray(0, bytes.length - 3))).toThrow(ProtocolError);
  });
});

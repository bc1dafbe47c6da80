import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { DataClayError, errors } from '../../src/index.js';
import { encodeError, readReply } from '../../src/internal.js';

const exported = Object.entries(api).filter(
  ([, v]) => typeof v === 'function' && (v === DataClayError || v.prototype instanceof DataClayError),
);

describe('errors', () => {
  it('every error class the package exports is in the `errors` list, and every listed one is exported', () => {
    expect(exported.map(([n]) => n).sort()).toEqual(Object.keys(errors).sort());
    for (const [name, cls] of exported) expect(errors[name as keyof typeof errors]).toBe(cls);
  });

  it.each(Object.entries(errors))('%s survives the wire with its class, message and data', (name, cls) => {
    const original = Reflect.construct(DataClayError, ['a message', { objectId: 'o-1', n: 3 }], cls) as DataClayError;
    expect(original.name).toBe(name);
    let rebuilt: unknown;
    try {
      readReply(encodeError(original));
    } catch (err) {
      rebuilt = err;
    }
    expect(rebuilt).toBeInstanceOf(cls);
    expect(rebuilt).toMatchObject({ name, message: 'a message', data: { objectId: 'o-1', n: 3 } });
  });

  it('typed data: the fields a caller acts on are typed per class', () => {
    const err = new api.WrongBackendError('o-1', 'backend-2');
    const owner: string = err.data.owner; // no cast: a type error here would fail the build
    expect(owner).toBe('backend-2');
  });
});

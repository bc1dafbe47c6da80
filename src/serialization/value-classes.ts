// Value classes: non-persistent classes whose instances travel by value (their own fields) and come back with
// their prototype. Registered by name, so both ends agree (extension type 2: [class name, fields]).
import { addExtension } from 'msgpackr';
import { ClassNotFoundError, DataClayError } from '../errors.js';

const VALUE_EXTENSION = 2;

type AnyClass = abstract new (...args: never[]) => object;

const byName = new Map<string, AnyClass>();
const names = new Map<AnyClass, string>();

export function registerValueClass(cls: AnyClass, name: string = cls.name): void {
  const known = byName.get(name);
  if (known === cls) return;
  if (known) throw new DataClayError(`value class name '${name}' is already registered for another class`, { name });
  byName.set(name, cls);
  names.set(cls, name);
  addExtension({
    Class: cls as unknown as new () => object,
    type: VALUE_EXTENSION,
    write: (value: object) => [names.get(value.constructor as AnyClass) ?? name, { ...value }],
    read: ([className, fields]: [string, Record<string, unknown>]) => {
      const ctor = byName.get(className);
      if (!ctor) throw new ClassNotFoundError(className);
      return Object.assign(Object.create(ctor.prototype), fields);
    },
  });
}

export function isValueClassInstance(value: object): boolean {
  for (let p = Object.getPrototypeOf(value); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (names.has(p.constructor)) return true;
  }
  return false;
}

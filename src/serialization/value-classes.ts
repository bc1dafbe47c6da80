// Value classes: non-persistent classes whose instances travel by value (their own fields) and come back with
// their prototype. Registered by name, so both ends agree (extension type 2: [class name, fields]).
import { addExtension } from 'msgpackr';
import { TransformerNotConfiguredError, ValueClassConflictError } from '../errors.js';
import type { PersistentOptions } from '../object/decorators.js';
import { publishClassFacts } from '../object/class-metadata.js';
import { isClassMeta, type ClassMeta, type FieldMeta } from '../object/meta.js';

const VALUE_EXTENSION = 2;

type AnyClass = abstract new (...args: never[]) => object;

const byName = new Map<string, AnyClass>();
const names = new Map<AnyClass, string>();
const fieldsByName = new Map<string, FieldMeta[]>();

/** Registers a value class; `fields` (from the transformer) describe it to stubs in other processes. */
export function registerValueClass(cls: AnyClass, name: string = cls.name, fields: FieldMeta[] = []): void {
  const known = byName.get(name);
  if (known === cls) return;
  if (known) throw new ValueClassConflictError(name);
  byName.set(name, cls);
  names.set(cls, name);
  fieldsByName.set(name, fields);
  addExtension({
    Class: cls as unknown as new () => object,
    type: VALUE_EXTENSION,
    write: (value: object) => [names.get(value.constructor as AnyClass) ?? name, { ...value }],
    read: ([className, fields]: [string, Record<string, unknown>]) => {
      const ctor = byName.get(className);
      // a process without the model (a stub client) gets the plain fields
      return ctor ? Object.assign(Object.create(ctor.prototype), fields) : fields;
    },
  });
}

export function valueClassFields(name: string): FieldMeta[] | undefined {
  return fieldsByName.get(name);
}

export function registeredValueClassNames(): string[] {
  return [...byName.keys()].sort();
}

export function isValueClassInstance(value: object): boolean {
  for (let p = Object.getPrototypeOf(value); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (names.has(p.constructor)) return true;
  }
  return false;
}

/**
 * Marks a class whose instances travel by value (their own fields) and come back as instances of the class, in
 * arguments, results and persistent fields. Its stable name comes from the transformer, like @persistent's.
 * Works as a TC39 decorator and as a legacy one (`experimentalDecorators`, called without a context).
 */
export function valueclass<C extends AnyClass>(cls: C, context: ClassDecoratorContext<C>): void;
export function valueclass<C extends AnyClass>(cls: C): void;
export function valueclass(options: PersistentOptions): ValueClassDecorator;
export function valueclass<C extends AnyClass>(
  arg: C | PersistentOptions | ClassMeta,
  context?: ClassDecoratorContext<C>,
): ValueClassDecorator | void {
  if (typeof arg === 'function')
    throw new TransformerNotConfiguredError(`@valueclass class ${context?.name ?? arg.name}`);
  if (!isClassMeta(arg)) {
    return (cls) => {
      throw new TransformerNotConfiguredError(`@valueclass class ${cls.name}`);
    };
  }
  const meta = arg;
  return (cls, ctx) => {
    registerValueClass(cls, meta.name, meta.fields);
    publishClassFacts(cls, meta, ctx?.metadata);
  };
}

export type ValueClassDecorator = <C extends AnyClass>(cls: C, context?: ClassDecoratorContext<C>) => void;

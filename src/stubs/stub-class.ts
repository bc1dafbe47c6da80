// Stubs: classes built at run time from the cluster's description of a persistent class, for processes that do
// not have the model's code. Their instances are always proxies; their constructor runs on a backend.
import type { DataClayObject, DataFields } from '../object/dataclay-object.js';
import { remoteMethod } from '../object/decorators.js';
import { newStubClass } from '../object/placeholder.js';
import { installFieldGuards } from '../object/locality.js';
import { META_VERSION, type ClassMeta, type FieldMeta, type MethodMeta, type ParamMeta } from '../object/meta.js';
import { findClassInfo, registerClass } from '../object/registry.js';
import { currentRuntime } from '../object/runtime-slot.js';
import type { ClassDescription } from '../metadata/class-description.js';
import { registerValueClass } from '../serialization/value-classes.js';

/** A persistent object seen through a stub: fields only through typed dcGet/dcSet, methods remote. */
export type StubObject<F extends object = Record<string, unknown>> = Omit<DataClayObject, 'dcGet' | 'dcSet'> & {
  dcGet<K extends keyof F & string>(field: K): Promise<F[K]>;
  dcSet<K extends keyof F & string>(field: K, value: F[K]): Promise<void>;
};

/** What a stub class offers: construction on a backend, and the lookups of DataClayObject. */
export interface StubClass<T = DataClayObject, A extends unknown[] = unknown[]> {
  readonly className: string;
  /** Runs the class's constructor on a backend (`backendId`, or one at random) and returns the new object. */
  create(...args: A): Promise<T>;
  createOn(backendId: string, ...args: A): Promise<T>;
  getByAlias(alias: string, dataset?: string): Promise<T>;
  getById(id: string): Promise<T>;
  deleteAlias(alias: string, dataset?: string): Promise<void>;
}

/** The data fields of a persistent class, for typing a stub of it: `client.stub<Person, DataOf<Person>>(...)`. */
export type DataOf<T> = { [K in DataFields<T>]: T[K] };

/**
 * The stub class for a description: the real class when this process has loaded it, the same stub class on every
 * call, and a stand-in made by a decoded reference upgraded in place (its instances gain the methods).
 */
/** A class description as generated stubs embed it (a literal: plain strings and arrays). */
export interface StubDescription {
  name: string;
  kind: string;
  fields: readonly FieldMeta[];
  methods: readonly MethodMeta[];
  ctor?: readonly ParamMeta[];
}

export function stubFor<T = StubObject, A extends unknown[] = unknown[]>(
  description: ClassDescription | StubDescription,
): StubClass<T, A> {
  const known = findClassInfo(description.name);
  const Stub = known && !known.open ? known.ctor : (known?.ctor ?? newStubClass(description.name));
  if (!known || known.open) {
    const meta: ClassMeta = {
      $dc: META_VERSION,
      name: description.name,
      fields: [...description.fields],
      methods: [...description.methods],
    };
    if (description.ctor) meta.ctor = [...description.ctor];
    const info = registerClass(Stub, meta);
    installFieldGuards(
      Stub.prototype,
      info,
      description.fields.map((f) => f.name),
    );
    for (const m of description.methods)
      Object.defineProperty(Stub.prototype, m.name, { value: remoteMethod(m), configurable: true, writable: true });
  }
  const statics = Stub as unknown as Record<string, unknown>;
  if (!Object.hasOwn(statics, 'create')) {
    Object.defineProperties(Stub, {
      className: { value: description.name },
      create: { value: (...args: unknown[]) => currentRuntime().construct(description.name, args) },
      createOn: {
        value: (backendId: string, ...args: unknown[]) => currentRuntime().construct(description.name, args, backendId),
      },
    });
  }
  return Stub as unknown as StubClass<T, A>;
}

/** What a generated stub of a value class offers: making values that travel as that class. */
export interface ValueStub<T> {
  readonly className: string;
  /** A value the backends decode as an instance of the real class. */
  of(fields: T): T;
}

/** A stand-in class for a value class, registered under its name so its values travel as that class. */
export function valueStubFor<T extends object>(description: StubDescription): ValueStub<T> {
  const name = shortOf(description.name);
  const Value = {
    [name]: class {
      constructor(fields: object) {
        Object.assign(this, fields);
      }
    },
  }[name];
  registerValueClass(Value, description.name, [...description.fields]);
  return { className: description.name, of: (fields: T) => new Value(fields) as T };
}

function shortOf(className: string): string {
  return className.slice(className.lastIndexOf('.') + 1) || 'Value';
}

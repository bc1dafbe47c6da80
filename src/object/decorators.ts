// @persistent, @activemethod and @localOnly, for both decorator worlds: TC39 standard decorators (the default) and
// legacy ones (`experimentalDecorators`, the NestJS/TypeORM habit). The transformer rewrites `@persistent` into
// `@persistent(<class facts>)` in either; a bare call at run time means the transformer did not run. Which world
// called shows in the arguments: a TC39 decorator gets a context object, a legacy one gets none (class) or a key.
import { TransformerNotConfiguredError } from '../errors.js';
import { publishClassFacts } from './class-metadata.js';
import type { DataClayObject } from './dataclay-object.js';
import { installFieldGuards } from './locality.js';
import { collectRenames } from './evolution.js';
import { isClassMeta, META_VERSION, type ClassInfo, type ClassMeta, type MethodMeta } from './meta.js';
import { registerClass } from './registry.js';
import { runExclusive } from './exclusive.js';
import { sessionStorage } from './context.js';
import { adoptNew, currentRuntime, loadEvicted } from './runtime-slot.js';
import { STATE } from './state.js';

export interface PersistentOptions {
  /** Overrides the stable class name (default: "<source path from the package root>.<ClassName>"). */
  name?: string;
}

type PersistentClass = abstract new (...args: never[]) => DataClayObject;

/** A class decorator of either world (a legacy one is called without a context). */
export type PersistentDecorator = <C extends PersistentClass>(cls: C, context?: ClassDecoratorContext<C>) => C | void;

export function persistent<C extends PersistentClass>(cls: C, context: ClassDecoratorContext<C>): C | void;
export function persistent<C extends PersistentClass>(cls: C): C | void;
export function persistent(options: PersistentOptions): PersistentDecorator;
export function persistent<C extends PersistentClass>(
  arg: C | PersistentOptions | ClassMeta,
  context?: ClassDecoratorContext<C>,
): PersistentDecorator | C | void {
  if (typeof arg === 'function')
    throw new TransformerNotConfiguredError(`@persistent class ${context?.name ?? arg.name}`);
  if (!isClassMeta(arg)) {
    return (cls) => {
      throw new TransformerNotConfiguredError(`@persistent class ${cls.name}`);
    };
  }
  const meta = arg;
  return <D extends PersistentClass>(cls: D, ctx?: ClassDecoratorContext<D>) => {
    const constructed = afterConstruction(cls);
    collectRenames(cls);
    const info = registerClass(constructed, meta);
    installFieldGuards(
      cls.prototype,
      info,
      meta.fields.map((f) => f.name),
    );
    // an override of an inherited active method is active too, decorated or not
    for (const name of info.methods.keys()) {
      const own = Object.getOwnPropertyDescriptor(cls.prototype, name);
      if (typeof own?.value === 'function' && !own.value[ACTIVE]) {
        Object.defineProperty(cls.prototype, name, {
          ...own,
          value: dispatching(own.value, name, info.methods.get(name)),
        });
      }
    }
    publishClassFacts(constructed, mergedFacts(info), ctx?.metadata);
    return constructed;
  };
}

/** What other tools read: the facts along inheritance, as the runtime merged them. */
function mergedFacts(info: ClassInfo): ClassMeta {
  const facts: ClassMeta = {
    $dc: META_VERSION,
    name: info.name,
    fields: [...info.fields],
    methods: [...info.methods.values()],
  };
  if (info.ctorParams) facts.ctor = [...info.ctorParams];
  return Object.freeze(facts);
}

/**
 * The class that replaces a @persistent class: the same class, plus a hook run once the whole constructor chain of
 * the most derived class has finished, so a backend registers an object built by an active method only if its
 * constructor succeeded.
 */
function afterConstruction<C extends PersistentClass>(cls: C): C {
  const Base = cls as unknown as new (...args: unknown[]) => DataClayObject;
  const Constructed = {
    [cls.name]: class extends Base {
      constructor(...args: unknown[]) {
        super(...args);
        if (new.target === Constructed) adoptNew(this);
      }
    },
  }[cls.name];
  return Constructed as unknown as C;
}

const ACTIVE = Symbol('dataclay.activemethod');

/** Runs `method` in place on a local object, on the owning backend otherwise. */
// biome-ignore lint/suspicious/noExplicitAny: parameters are contravariant: unknown[] would reject every typed method
function dispatching<M extends (this: DataClayObject, ...args: any[]) => Promise<unknown>>(
  method: M,
  name: string,
  options: ActiveMethodOptions = {},
): M {
  const { exclusive = false, readonly = false } = options;
  const wrapper = function (this: DataClayObject, ...args: unknown[]): Promise<unknown> {
    const state = this[STATE];
    // a replica runs read-only methods in place; anything that may write goes to the master
    if (state.local && (readonly || state.kind !== 'replica')) {
      // inside a request a backend serves, the object may change: the request saves it before its reply
      if (state.registered) sessionStorage.getStore()?.touched?.add(this);
      if (state.kind === 'evicted') loadEvicted(this);
      return exclusive ? runExclusive(this, () => method.apply(this, args)) : method.apply(this, args);
    }
    return currentRuntime().call(this, name, args, readonly);
  };
  Object.defineProperty(wrapper, ACTIVE, { value: true });
  return wrapper as M;
}

/** A method for a stub class: its objects are always remote (their class's code is not in this process). */
export function remoteMethod(meta: MethodMeta): (this: DataClayObject, ...args: unknown[]) => Promise<unknown> {
  const local = async function (this: DataClayObject) {
    throw new TransformerNotConfiguredError(`${this.className}.${meta.name} (a stub method has no code here)`);
  };
  return dispatching(local, meta.name, meta);
}

export interface ActiveMethodOptions {
  /**
   * Serializes this object's exclusive methods: while one call chain runs one, calls from other chains wait (the
   * same chain may re-enter). Non-exclusive methods never wait. See docs/concurrency.md.
   */
  exclusive?: boolean;
  /**
   * Declares that the method does not change its object: it may run on any replica, and its object is not
   * checked for changes afterwards (faster). A read-only method that changes its object fails.
   */
  readonly?: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: parameters are contravariant: unknown[] would reject every typed method
type ActiveMethod<This> = (this: This, ...args: any[]) => Promise<unknown>;

/** A method decorator of either world: TC39 (method, context) or legacy (prototype, key, descriptor). */
export interface ActiveMethodDecorator {
  <This extends DataClayObject, M extends ActiveMethod<This>>(
    method: M,
    context: ClassMethodDecoratorContext<This, M>,
  ): M;
  <M extends ActiveMethod<DataClayObject>>(
    target: DataClayObject,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): TypedPropertyDescriptor<M>;
}

/**
 * Marks a method that runs where the object lives: in place on a local object, on its backend otherwise.
 * It must be `async` (the transformer reports it otherwise), because a remote call is a Promise.
 * `@activemethod({ exclusive: true })` also serializes it per object.
 */
export function activemethod<This extends DataClayObject, M extends ActiveMethod<This>>(
  method: M,
  context: ClassMethodDecoratorContext<This, M>,
): M;
export function activemethod<M extends ActiveMethod<DataClayObject>>(
  target: DataClayObject,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
): TypedPropertyDescriptor<M>;
export function activemethod(options: ActiveMethodOptions): ActiveMethodDecorator;
export function activemethod(...args: unknown[]): unknown {
  if (args.length > 1) return activeMember(args, {});
  const arg = args[0] as ActiveMethodOptions | undefined;
  const options: ActiveMethodOptions = { exclusive: arg?.exclusive === true, readonly: arg?.readonly === true };
  return (...member: unknown[]) => activeMember(member, options);
}

/** Decorates one method, given the arguments of either world. */
function activeMember(args: unknown[], options: ActiveMethodOptions): unknown {
  const [first, second, descriptor] = args as [unknown, unknown, PropertyDescriptor | undefined];
  if (typeof second === 'string' || typeof second === 'symbol') {
    const method = descriptor?.value as ActiveMethod<DataClayObject>;
    return { ...descriptor, value: dispatching(method, String(second), options) };
  }
  const context = second as ClassMethodDecoratorContext;
  return dispatching(first as ActiveMethod<DataClayObject>, String(context.name), options);
}

/**
 * Marks a field of a persistent class as process-local: the transformer leaves it out of the persistent state, so
 * it never travels and a proxy keeps its own value. (At run time this decorator does nothing.)
 */
export function localOnly<This, V>(_value: undefined, _context: ClassFieldDecoratorContext<This, V>): void;
export function localOnly(_target: object, _key: string | symbol): void;
export function localOnly(): void {}

// Persistent classes by stable name, with their facts merged along inheritance.
import { ClassNotFoundError } from '../errors.js';
import type { ClassInfo, ClassMeta, MethodMeta } from './meta.js';

const CLASS_INFO = Symbol('dataclay.classInfo');
const byName = new Map<string, ClassInfo>();

type AnyClass = abstract new (...args: never[]) => object;

/** The info of a class registered with @persistent (not inherited from a decorated base). */
export function ownClassInfo(ctor: Function): ClassInfo | undefined {
  return Object.hasOwn(ctor, CLASS_INFO) ? (ctor as unknown as Record<symbol, ClassInfo>)[CLASS_INFO] : undefined;
}

export function registerClass(ctor: AnyClass, meta: ClassMeta, open = false): ClassInfo {
  const parent = ownClassInfoOfAncestor(ctor);
  const fields = [...(parent?.fields ?? []), ...meta.fields.filter((f) => !parent?.fieldNames.has(f.name))];
  const methods = new Map<string, MethodMeta>(parent?.methods);
  for (const m of meta.methods) methods.set(m.name, m);
  const info: ClassInfo = {
    name: meta.name,
    ctor,
    fields,
    fieldNames: new Set(fields.map((f) => f.name)),
    methods,
    ctorParams: meta.ctor ?? parent?.ctorParams,
    open: open || undefined,
  };
  Object.defineProperty(ctor, CLASS_INFO, { value: info, configurable: true });
  byName.set(meta.name, info);
  return info;
}

export function findClassInfo(name: string): ClassInfo | undefined {
  return byName.get(name);
}

function ownClassInfoOfAncestor(ctor: Function): ClassInfo | undefined {
  for (let c = Object.getPrototypeOf(ctor); c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const info = ownClassInfo(c);
    if (info) return info;
  }
  return undefined;
}

export function classInfoByName(name: string): ClassInfo {
  const info = byName.get(name);
  if (!info) throw new ClassNotFoundError(name);
  return info;
}

export function registeredClassNames(): string[] {
  return [...byName.keys()].sort();
}

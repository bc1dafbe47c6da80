// Compiles a parsed parameter type into a predicate over decoded argument values. Class names resolve in the
// registries when compiled (a backend has loaded its models by its first call); what does not resolve accepts all.
import { isValueClassInstance, registeredValueClassNames, valueClassFields } from '../serialization/value-classes.js';
import { DataClayObject } from '../object/dataclay-object.js';
import type { ClassInfo } from '../object/meta.js';
import { findClassInfo, registeredClassNames } from '../object/registry.js';
import type { Keyword, TypeNode } from './type-text.js';

export interface Check {
  (value: unknown): boolean;
  /** What a refused value is, when more than its description helps (which element of an array is wrong). */
  why?: (value: unknown) => string;
}

export const anything: Check = () => true;

const KEYWORD_CHECKS: Record<Keyword, Check> = {
  number: (v) => typeof v === 'number',
  string: (v) => typeof v === 'string',
  boolean: (v) => typeof v === 'boolean',
  bigint: (v) => typeof v === 'bigint',
  undefined: (v) => v === undefined,
  void: (v) => v === undefined,
  null: (v) => v === null,
  object: (v) => (typeof v === 'object' && v !== null) || typeof v === 'function',
};

/** Built-in classes that travel (msgpackr keeps them), checked with instanceof; Buffer arrives as a Uint8Array. */
const BUILT_INS: Record<string, Function> = { Map, ReadonlyMap: Map, Set, ReadonlySet: Set, Date, RegExp };
for (const name of ['ArrayBuffer', 'DataView', 'Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array'].concat([
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
]))
  BUILT_INS[name] = (globalThis as unknown as Record<string, Function>)[name];
BUILT_INS.Buffer = Uint8Array;
BUILT_INS.DataClayObject = DataClayObject;

export function compileType(node: TypeNode): Check {
  switch (node.kind) {
    case 'unknown':
      return anything;
    case 'keyword':
      return KEYWORD_CHECKS[node.name];
    case 'literal':
      return equalsAny([node.value]);
    case 'array':
      return arrayOf(compileType(node.element));
    case 'tuple':
      return tupleOf(node);
    case 'union':
      return union(node.members);
    case 'intersection': {
      const all = node.members.map(compileType).filter((c) => c !== anything);
      if (all.length <= 1) return all[0] ?? anything;
      return (v) => all.every((c) => c(v));
    }
    case 'reference':
      return reference(node.name, node.args);
  }
}

function equalsAny(values: unknown[]): Check {
  if (values.length === 1) {
    const [a] = values;
    return (v) => v === a;
  }
  if (values.length === 2) {
    const [a, b] = values;
    return (v) => v === a || v === b;
  }
  const set = new Set(values);
  return (v) => set.has(v);
}

/** Literals, null and undefined of a union are compared at once; the other members are tried in turn. */
function union(members: TypeNode[]): Check {
  const values: unknown[] = [];
  const others: Check[] = [];
  for (const m of members) {
    if (m.kind === 'literal') values.push(m.value);
    else if (m.kind === 'keyword' && (m.name === 'null' || m.name === 'undefined'))
      values.push(m.name === 'null' ? null : undefined);
    else others.push(compileType(m));
  }
  if (others.includes(anything)) return anything;
  if (values.length > 0) others.unshift(equalsAny(values));
  if (others.length === 1) return others[0];
  if (others.length === 2) {
    const [a, b] = others;
    return (v) => a(v) || b(v);
  }
  return (v) => {
    for (const c of others) if (c(v)) return true;
    return false;
  };
}

function arrayOf(element: Check): Check {
  if (element === anything) return (v) => Array.isArray(v);
  const check: Check = (v) => {
    if (!Array.isArray(v)) return false;
    for (let i = 0; i < v.length; i++) if (!element(v[i])) return false;
    return true;
  };
  check.why = (v) => (Array.isArray(v) ? badElement(v, 0, element) : describeValue(v));
  return check;
}

function badElement(v: unknown[], from: number, element: Check): string {
  for (let i = from; i < v.length; i++) {
    if (!element(v[i])) return `an array whose [${i}] is ${element.why?.(v[i]) ?? describeValue(v[i])}`;
  }
  return describeValue(v);
}

function tupleOf(node: Extract<TypeNode, { kind: 'tuple' }>): Check {
  const required = node.items.length - node.optional;
  const items = node.items.map((item, i) => (i < required ? compileType(item) : orUndefined(compileType(item))));
  const rest = node.rest?.kind === 'array' ? compileType(node.rest.element) : node.rest && anything;
  const check: Check = (v) => {
    if (!Array.isArray(v) || v.length < required || (!rest && v.length > items.length)) return false;
    for (let i = 0; i < items.length; i++) if (!items[i](v[i])) return false;
    if (rest) for (let i = items.length; i < v.length; i++) if (!rest(v[i])) return false;
    return true;
  };
  check.why = (v) => {
    if (!Array.isArray(v)) return describeValue(v);
    if (v.length < required || (!rest && v.length > items.length)) return `an array of ${v.length}`;
    const i = items.findIndex((c, k) => !c(v[k]));
    if (i >= 0) return `an array whose [${i}] is ${items[i].why?.(v[i]) ?? describeValue(v[i])}`;
    return badElement(v, items.length, rest ?? anything);
  };
  return check;
}

export function orUndefined(check: Check): Check {
  if (check === anything) return anything;
  const or: Check = (v) => v === undefined || check(v);
  or.why = check.why;
  return or;
}

function reference(name: string, args: TypeNode[]): Check {
  if (name === 'Array' || name === 'ReadonlyArray') return arrayOf(args[0] ? compileType(args[0]) : anything);
  const builtIn = BUILT_INS[name];
  if (builtIn) return (v) => v instanceof builtIn;
  const checks = [persistentClass(name), valueClass(name)].filter((c) => c !== undefined);
  // not a class of ours (a type parameter, an interface, an alias, an enum): not checked
  return checks.length === 0 ? anything : checks.length === 1 ? checks[0] : (v) => checks.some((c) => c(v));
}

const shortName = (name: string) => name.slice(name.lastIndexOf('.') + 1);

/** An instance of the class or a subclass; also any object whose class this process does not know (a stand-in). */
function persistentClass(name: string): Check | undefined {
  const ctors = registeredClassNames()
    .map((n) => findClassInfo(n))
    .filter((i): i is ClassInfo => !!i && !i.open && (shortName(i.name) === name || i.ctor.name === name))
    .map((i) => i.ctor);
  if (ctors.length === 0) return undefined;
  const unknownClass = (v: unknown) => {
    if (!(v instanceof DataClayObject)) return false;
    const info = findClassInfo(v.className);
    return !info || info.open === true;
  };
  if (ctors.length === 1) {
    const [C] = ctors;
    return (v) => v instanceof C || unknownClass(v);
  }
  return (v) => ctors.some((C) => v instanceof C) || unknownClass(v);
}

/** Structural, as TypeScript is: any object with the value class's required fields (a stub client sends plain ones). */
function valueClass(name: string): Check | undefined {
  const names = registeredValueClassNames().filter((n) => shortName(n) === name);
  if (names.length === 0) return undefined;
  const required = [...new Set(names.flatMap((n) => valueClassFields(n) ?? []).filter((f) => !f.optional))].map(
    (f) => f.name,
  );
  return (v) => {
    if (typeof v !== 'object' || v === null) return false;
    if (isValueClassInstance(v) && v.constructor.name === name) return true;
    for (const field of required) if (!(field in v)) return false;
    return true;
  };
}

/** A value as an error message shows it: its type and, for a primitive, the value (`string "abc"`). */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    case 'number':
    case 'boolean':
      return `${typeof v} ${v}`;
    case 'bigint':
      return `bigint ${v}n`;
    case 'undefined':
    case 'symbol':
    case 'function':
      return typeof v;
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v instanceof DataClayObject) return `an object of class ${v.className}`;
  const proto = Object.getPrototypeOf(v);
  if (proto === null || proto === Object.prototype) return 'a plain object';
  const ctorName = typeof proto.constructor === 'function' ? proto.constructor.name : '';
  return ctorName ? `a ${ctorName}` : 'an object';
}

// Finds the first value that cannot travel, with its path (`Company.employees[3].onChange`). Only run after
// msgpackr refused a value, so the common path pays nothing for it.
import { DataClayObject } from '../object/dataclay-object.js';
import { isValueClassInstance } from './value-classes.js';

export interface Unencodable {
  path: string;
  reason: string;
}

const BUILTINS: Function[] = [Date, Map, Set, ArrayBuffer, RegExp, Error, DataView];

function isAllowedObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null || Array.isArray(value) || ArrayBuffer.isView(value)) return true;
  if (value instanceof DataClayObject || isValueClassInstance(value)) return true;
  return BUILTINS.some((b) => value instanceof b);
}

function classNameOf(value: object): string {
  return (value.constructor as Function | undefined)?.name || 'an object with a custom prototype';
}

export function findUnencodable(value: unknown, path: string, seen = new Set<object>()): Unencodable | undefined {
  if (typeof value === 'function') return { path, reason: `a function (${value.name || 'anonymous'})` };
  if (typeof value === 'symbol') return { path, reason: `a symbol (${String(value)})` };
  if (typeof value !== 'object' || value === null || seen.has(value)) return undefined;
  seen.add(value);
  if (value instanceof DataClayObject) return undefined; // travels as a reference
  if (!isAllowedObject(value)) {
    return {
      path,
      reason: `an instance of ${classNameOf(value)}, which is neither persistent nor a registered value class`,
    };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnencodable(value[i], `${path}[${i}]`, seen);
      if (found) return found;
    }
  } else if (value instanceof Map) {
    for (const [k, v] of value) {
      const found =
        findUnencodable(k, `${path}<key>`, seen) ??
        findUnencodable(v, `${path}.get(${JSON.stringify(String(k))})`, seen);
      if (found) return found;
    }
  } else if (value instanceof Set) {
    let i = 0;
    for (const v of value) {
      const found = findUnencodable(v, `${path}<item ${i++}>`, seen);
      if (found) return found;
    }
  } else if (!ArrayBuffer.isView(value) && !(value instanceof Date)) {
    for (const key of Object.keys(value)) {
      const found = findUnencodable(
        (value as Record<string, unknown>)[key],
        /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`,
        seen,
      );
      if (found) return found;
    }
  }
  return undefined;
}

/** How deep a plain value may nest when msgpackr ran out of stack on it: what a refusal reports beyond this. */
const MAX_DEPTH = 1_000;

/**
 * Why a value ran the encoder out of stack (a RangeError): the first cycle of plain values, which msgpackr would
 * follow forever, or the first part nested deeper than MAX_DEPTH. Persistent objects end a path: they travel as
 * references, cycles and all.
 */
export function findTooDeep(
  value: unknown,
  path: string,
  depth = 0,
  onPath = new Set<object>(),
): Unencodable | undefined {
  if (typeof value !== 'object' || value === null || value instanceof DataClayObject || ArrayBuffer.isView(value))
    return undefined;
  if (onPath.has(value)) {
    return {
      path,
      reason: 'a cycle: a plain value that contains itself (a persistent object can be shared by reference)',
    };
  }
  if (depth >= MAX_DEPTH) return { path, reason: `nested deeper than ${MAX_DEPTH} levels` };
  onPath.add(value);
  for (const [child, at] of partsOf(value, path)) {
    const found = findTooDeep(child, at, depth + 1, onPath);
    if (found) return found;
  }
  onPath.delete(value);
  return undefined;
}

function* partsOf(value: object, path: string): Iterable<[unknown, string]> {
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield [value[i], `${path}[${i}]`];
  else if (value instanceof Map) for (const [k, v] of value) yield [v, `${path}.get(${JSON.stringify(String(k))})`];
  else if (value instanceof Set) {
    let i = 0;
    for (const v of value) yield [v, `${path}<item ${i++}>`];
  } else if (!(value instanceof Date)) {
    for (const [k, v] of Object.entries(value))
      yield [v, /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`];
  }
}

// Run-time shape checks of decoded requests: each names the first part that is not as declared, so a malformed
// request is answered with a ProtocolError saying which operation and which part.
import { ProtocolError } from '../errors.js';
import { nameProblem } from '../metadata/keys.js';
import { isObjectId } from '../object/object-id.js';

declare const shaped: unique symbol;

/**
 * Checks a decoded value: undefined when it has the shape of T, otherwise the path of the first part that has not
 * ('' for the value itself). The phantom member ties the check to T, so a wrong check does not type-check.
 */
export type Shape<T> = ((value: unknown) => string | undefined) & { readonly [shaped]?: T };

export const string: Shape<string> = (v) => (typeof v === 'string' ? undefined : '');
/** An object id (object-id.ts): ids become parts of subjects and keys, so no other string passes for one. */
export const objectId: Shape<string> = (v) => (isObjectId(v) ? undefined : '');
/** An alias or a dataset name: a part of a key, within the length a key may have (metadata/keys.ts). */
export const keyName: Shape<string> = (v) => (nameProblem(v) === undefined ? undefined : '');
export const boolean: Shape<boolean> = (v) => (typeof v === 'boolean' ? undefined : '');
export const number: Shape<number> = (v) => (typeof v === 'number' ? undefined : '');
export const bytes: Shape<Uint8Array> = (v) => (v instanceof Uint8Array ? undefined : '');
/** Any value: arguments, field values and states are checked by whoever uses them. */
export const anything: Shape<unknown> = () => undefined;
export const list: Shape<unknown[]> = (v) => (Array.isArray(v) ? undefined : '');

export function literal<const L extends string>(...values: L[]): Shape<L> {
  return (v) => (values.some((l) => l === v) ? undefined : '');
}

export function optional<T>(shape: Shape<T>): Shape<T | undefined> {
  return (v) => (v === undefined ? undefined : shape(v));
}

export function nullable<T>(shape: Shape<T>): Shape<T | null> {
  return (v) => (v === null ? undefined : shape(v));
}

/** An array whose every item has `item`'s shape (and at least one, with `nonEmpty`). */
export function arrayOf<T>(item: Shape<T>, nonEmpty = false): Shape<T[]> {
  return (v) => {
    if (!Array.isArray(v) || (nonEmpty && v.length === 0)) return '';
    for (let i = 0; i < v.length; i++) {
      const bad = item(v[i]);
      if (bad !== undefined) return join(`[${i}]`, bad);
    }
    return undefined;
  };
}

/** The parts of a tuple, by name, in order: trailing optional parts may be absent. */
type TupleParts<T extends unknown[]> = { [K in keyof T]: readonly [name: string, shape: Shape<T[K]>] };

export function tuple<T extends unknown[]>(...parts: TupleParts<T>): Shape<T> {
  const named: readonly (readonly [string, Shape<unknown>])[] = parts;
  return (v) => {
    if (!Array.isArray(v)) return '';
    for (let i = 0; i < named.length; i++) {
      const bad = named[i][1](v[i]);
      if (bad !== undefined) return join(named[i][0], bad);
    }
    return undefined;
  };
}

/** The fields of a record by name; an optional field may be absent. Fields not named are ignored. */
type RecordFields<T> = { [K in keyof T]-?: Shape<T[K]> };

export function record<T extends object>(fields: RecordFields<T>): Shape<T> {
  const entries: [string, Shape<unknown>][] = Object.entries(fields);
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return '';
    for (const [name, shape] of entries) {
      const bad = shape(Reflect.get(v, name));
      if (bad !== undefined) return join(name, bad);
    }
    return undefined;
  };
}

function join(part: string, inner: string): string {
  if (inner === '') return part;
  return inner.startsWith('[') ? `${part}${inner}` : `${part}.${inner}`;
}

/** Throws a ProtocolError naming the operation and the bad part unless `value` has the shape. */
export function assertShape<T>(operation: string, shape: Shape<T>, value: unknown): asserts value is T {
  const bad = shape(value);
  if (bad === undefined) return;
  const part = bad === '' ? 'request' : bad;
  throw new ProtocolError(`${operation}: malformed request (${part})`, { operation, part });
}

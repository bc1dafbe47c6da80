// An object's field values as the console's page shows them: JSON, with a tag for what JSON cannot say (references
// to persistent objects, Map, Set, bigint, dates, bytes, value-class instances). Long collections are cut short.
import { DataClayObject } from '../object/dataclay-object.js';

/** A reference to another persistent object, which the page links to (and draws in the graph). */
export interface RefView {
  $: 'ref';
  id: string;
  className: string;
  backendId?: string;
}

export type ValueView =
  | null
  | boolean
  | number
  | string
  | RefView
  | ValueView[]
  | { $: 'undefined' | 'bigint' | 'date' | 'bytes' | 'text'; text: string }
  | { $: 'map'; entries: [ValueView, ValueView][]; more?: number }
  | { $: 'set'; items: ValueView[]; more?: number }
  | { $: 'list'; items: ValueView[]; more: number }
  | { $: 'object'; className: string; fields: Record<string, ValueView> };

const MAX_ITEMS = 100;
const MAX_DEPTH = 6;

export function viewOf(value: unknown, refs: RefView[], depth = 0): ValueView {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $: 'text', text: String(value) }; // NaN, Infinity: not JSON
  if (value === undefined) return { $: 'undefined', text: 'undefined' };
  if (typeof value === 'bigint') return { $: 'bigint', text: `${value}n` };
  if (typeof value !== 'object') return { $: 'text', text: String(value) };
  if (value instanceof DataClayObject) {
    const ref: RefView = { $: 'ref', id: value.id, className: value.className };
    if (value.backendId !== undefined) ref.backendId = value.backendId;
    refs.push(ref);
    return ref;
  }
  if (depth >= MAX_DEPTH) return { $: 'text', text: '…' };
  const inner = (v: unknown) => viewOf(v, refs, depth + 1);
  if (value instanceof Date) return { $: 'date', text: value.toISOString() };
  if (ArrayBuffer.isView(value)) return { $: 'bytes', text: `${value.byteLength} bytes` };
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map(inner);
    return value.length > MAX_ITEMS ? { $: 'list', items, more: value.length - MAX_ITEMS } : items;
  }
  if (value instanceof Map) {
    const entries = [...value].slice(0, MAX_ITEMS).map(([k, v]): [ValueView, ValueView] => [inner(k), inner(v)]);
    return { $: 'map', entries, ...(value.size > MAX_ITEMS && { more: value.size - MAX_ITEMS }) };
  }
  if (value instanceof Set) {
    const items = [...value].slice(0, MAX_ITEMS).map(inner);
    return { $: 'set', items, ...(value.size > MAX_ITEMS && { more: value.size - MAX_ITEMS }) };
  }
  const fields = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inner(v)]));
  return { $: 'object', className: value.constructor?.name ?? 'Object', fields };
}

/** Each reference once, in the order the fields name them. */
export function distinctRefs(refs: RefView[]): RefView[] {
  const seen = new Map<string, RefView>();
  for (const r of refs) if (!seen.has(r.id)) seen.set(r.id, r);
  return [...seen.values()];
}

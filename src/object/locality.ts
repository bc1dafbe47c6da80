// Where an object's fields are: own data properties when local, guard accessors on the prototype when not.
import { NotLocalError } from '../errors.js';
import type { ClassInfo } from './meta.js';
import { loadEvicted } from './runtime-slot.js';
import { STATE, type Stateful } from './state.js';

/**
 * Installs, per persistent field, a prototype accessor that a local object never reaches (its own data property,
 * defined by the class field or the constructor, shadows it) and that a non-local proxy always reaches.
 */
export function installFieldGuards(proto: object, info: ClassInfo, ownFields: readonly string[]): void {
  for (const field of ownFields) {
    Object.defineProperty(proto, field, {
      configurable: true,
      enumerable: false,
      get(this: Stateful) {
        const state = this[STATE]; // undefined on the prototype itself
        if (state === undefined) return undefined;
        if (!state.local) throw new NotLocalError(info.ctor.name, field, state.id, state.backendId);
        if (state.kind === 'evicted') {
          loadEvicted(this as never);
          return Reflect.get(this, field);
        }
        return undefined; // local without a value yet (no [[Define]] class fields)
      },
      set(this: Stateful, value: unknown) {
        const state = this[STATE];
        if (state && !state.local) throw new NotLocalError(info.ctor.name, field, state.id, state.backendId);
        if (state?.kind === 'evicted') loadEvicted(this as never);
        defineField(this, field, value);
      },
    });
  }
}

export function defineField(obj: object, field: string, value: unknown): void {
  Object.defineProperty(obj, field, { value, writable: true, enumerable: true, configurable: true });
}

/** The persistent state of a local object, field by field. */
export function readFields(obj: Stateful): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of obj[STATE].info.fieldNames) out[f] = (obj as unknown as Record<string, unknown>)[f];
  return out;
}

export function writeFields(obj: Stateful, fields: Record<string, unknown>): void {
  for (const f of obj[STATE].info.fieldNames) if (Object.hasOwn(fields, f)) defineField(obj, f, fields[f]);
}

/** Drops a local object's field values from memory (they are elsewhere: a backend, or this backend's store). */
export function dropFields(obj: Stateful): void {
  for (const f of obj[STATE].info.fieldNames) delete (obj as unknown as Record<string, unknown>)[f];
}

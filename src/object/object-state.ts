// An object's persistent state as it travels: its fields, or what its own state hooks say
// (the equivalent of Python's __getstate__/__setstate__).
import { readFields, writeFields } from './locality.js';
import type { Stateful } from './state.js';

/** Implement both to replace field-based state: what dcGetState returns is what travels and is stored. */
export interface StateHooks<S = unknown> {
  dcGetState(): S;
  dcSetState(state: S): void;
}

function hooksOf(obj: object): StateHooks | undefined {
  const o = obj as Partial<StateHooks>;
  return typeof o.dcGetState === 'function' && typeof o.dcSetState === 'function' ? (o as StateHooks) : undefined;
}

/** Whether the object's class replaces field-based state with its own hooks. */
export function hasStateHooks(obj: object): boolean {
  return hooksOf(obj) !== undefined;
}

export function captureState(obj: Stateful): unknown {
  const hooks = hooksOf(obj);
  return hooks ? hooks.dcGetState() : readFields(obj);
}

export function restoreState(obj: Stateful, state: unknown): void {
  const hooks = hooksOf(obj);
  if (hooks) hooks.dcSetState(state);
  else writeFields(obj, (state ?? {}) as Record<string, unknown>);
}

// Schema evolution (docs/lifecycle.md): a class's persistent shape has a version (`static dcVersion`, default 1) and a
// hash of its fields, stored with every record. A record written by an older shape loads into the current class:
// fields renamed with @renamedFrom keep their values, `static dcMigrate(state, fromVersion)` does the rest, fields
// the class no longer has are dropped, new fields take their initializers. A record of a newer version is refused.
import { createHash } from 'node:crypto';
import { SchemaVersionError } from '../errors.js';
import type { ClassInfo } from './meta.js';
import { ownClassInfo } from './registry.js';
import { buildingTemplate } from './runtime-slot.js';

/** What a record says of the shape that wrote it. */
export type StoredShape = [version: number, hash: string];

/** A class's own hooks for evolution. */
export interface Evolvable {
  /** The version of the class's persistent shape: raise it when a change needs dcMigrate (default 1). */
  dcVersion?: number;
  /** Turns the fields of a record written by `fromVersion` into the current version's. */
  dcMigrate?(state: Record<string, unknown>, fromVersion: number): Record<string, unknown>;
}

/** What loading an older record changed, for the log line. */
export interface Evolution {
  from: number;
  renamed: string[];
  dropped: string[];
  defaulted: string[];
  migrated: boolean;
}

const renames = new WeakMap<object, Map<string, string>>();
const shapes = new WeakMap<ClassInfo, StoredShape>();
let pendingRenames: [field: string, from: string][] = [];

/**
 * Marks a persistent field as the new name of `from`: a record written before the rename keeps its value.
 * `@renamedFrom('fullName') name = ''`.
 */
export function renamedFrom(from: string) {
  // either world: a TC39 field decorator gets (undefined, context), a legacy one (prototype, key). Both run while
  // the class is defined, before its class decorator (@persistent) collects them.
  return (_target: unknown, context: ClassFieldDecoratorContext | string | symbol): void => {
    const field = typeof context === 'object' ? context.name : context;
    pendingRenames.push([String(field), from]);
  };
}

/** Called by @persistent: the renames its fields declared. */
export function collectRenames(ctor: object): void {
  if (pendingRenames.length === 0) return;
  renames.set(ctor, new Map(pendingRenames));
  pendingRenames = [];
}

/**
 * The class's own version and migration. Static members are inherited in JavaScript, but a subclass's records have
 * a history of their own (a parent's `dcVersion = 3` must not make a new subclass's first records version 3, nor the
 * parent's migration rewrite them), so only what the class itself declares counts: found on the constructors from
 * the registered one (the @persistent wrapper) up to, not including, the nearest persistent ancestor's.
 */
function hooks(info: ClassInfo): Evolvable {
  const own: Evolvable = {};
  for (let c: object | null = info.ctor; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    if (c !== info.ctor && ownClassInfo(c as Function)) break;
    const statics = c as Evolvable;
    if (own.dcVersion === undefined && Object.hasOwn(c, 'dcVersion')) own.dcVersion = statics.dcVersion;
    if (own.dcMigrate === undefined && Object.hasOwn(c, 'dcMigrate')) own.dcMigrate = statics.dcMigrate;
  }
  return own;
}

/** The shape records of this class are written with. */
export function shapeOf(info: ClassInfo): StoredShape {
  let shape = shapes.get(info);
  if (!shape) {
    const fields = info.fields.map((f) => `${f.name}:${f.type}`).sort();
    const hash = createHash('sha1').update(fields.join(';')).digest('base64url').slice(0, 12);
    shape = [hooks(info).dcVersion ?? 1, hash];
    shapes.set(info, shape);
  }
  return shape;
}

/**
 * The fields of a record, as the current class has them, and what changed; undefined when the record is of the
 * current shape (the common case: nothing to do). A record without a shape predates versions: version 1.
 */
export function evolve(
  info: ClassInfo,
  id: string,
  fields: Record<string, unknown>,
  stored: StoredShape | undefined,
): { fields: Record<string, unknown>; evolution: Evolution } | undefined {
  const [version, hash] = shapeOf(info);
  const [from, storedHash] = stored ?? [1, undefined];
  if (from > version) throw new SchemaVersionError(info.name, id, from, version);
  if (from === version && storedHash === hash) return undefined;
  const evolution: Evolution = { from, renamed: [], dropped: [], defaulted: [], migrated: false };
  let state = { ...fields };
  for (const [field, old] of renamesOf(info)) {
    if (Object.hasOwn(state, old) && !Object.hasOwn(state, field)) {
      state[field] = state[old];
      delete state[old];
      evolution.renamed.push(`${old}→${field}`);
    }
  }
  const migrate = hooks(info).dcMigrate;
  if (from < version && typeof migrate === 'function') {
    state = migrate.call(info.ctor, state, from) ?? state; // a hook that changes the state in place returns nothing
    evolution.migrated = true;
  }
  evolution.dropped = Object.keys(state).filter((f) => !info.fieldNames.has(f));
  for (const f of evolution.dropped) delete state[f];
  const missing = [...info.fieldNames].filter((f) => !Object.hasOwn(state, f));
  if (missing.length > 0) Object.assign(state, initialValues(info, missing));
  evolution.defaulted = missing;
  return { fields: state, evolution };
}

/**
 * The state another backend sent (a move, a replica), as the current class has it: evolved when the sender's class
 * had another shape (a newer one is refused: SchemaVersionError). A sender that names no shape, or a class with its
 * own state hooks, is taken as it is.
 */
export function evolveReceived(
  info: ClassInfo,
  id: string,
  state: unknown,
  stored: StoredShape | undefined,
  hooks: boolean,
): unknown {
  if (stored === undefined || hooks) return state;
  return evolve(info, id, state as Record<string, unknown>, stored)?.fields ?? state;
}

function renamesOf(info: ClassInfo): Map<string, string> {
  const out = new Map<string, string>();
  // a subclass's renames and its persistent ancestors' (each class declared its own)
  for (let c: object | null = info.ctor; c && c !== Function.prototype; c = Object.getPrototypeOf(c))
    for (const [field, from] of renames.get(c) ?? []) if (!out.has(field)) out.set(field, from);
  return out;
}

/**
 * The initial values of `fields`, from an instance built by the class's constructor with no arguments (nothing it
 * builds is adopted as a new object); a constructor that needs arguments and throws leaves them undefined.
 */
function initialValues(info: ClassInfo, fields: string[]): Record<string, unknown> {
  let template: Record<string, unknown> = {};
  try {
    template = buildingTemplate(() => Reflect.construct(info.ctor, []) as Record<string, unknown>);
  } catch {
    // its fields stay undefined
  }
  return Object.fromEntries(fields.map((f) => [f, template[f]]));
}

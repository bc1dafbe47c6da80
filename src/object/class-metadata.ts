// Publishes a class's facts where other tools look for them: TC39 decorator metadata (`Cls[Symbol.metadata]`), and
// reflect-metadata (`Reflect.getMetadata('dataclay:class', Cls)`) when the program has loaded it. Only a store for
// others to read: the runtime keeps its own registry, and never depends on reflect-metadata.
import type { ClassMeta } from './meta.js';

/** The key of our facts in both stores. */
export const CLASS_METADATA_KEY = 'dataclay:class';

// Node 20 has no Symbol.metadata: without it TypeScript's TC39 lowering gives decorators no `context.metadata` and
// sets nothing on the class. The shared registry symbol is the one other polyfills use, so we all agree.
const symbols = Symbol as unknown as { metadata?: symbol };
symbols.metadata ??= Symbol.for('Symbol.metadata');
const METADATA = symbols.metadata;

interface ReflectMetadata {
  defineMetadata?: (key: unknown, value: unknown, target: object) => void;
}

/**
 * `metadata` is the TC39 context's object (TypeScript attaches it to the class); a legacy decorator has none, so the
 * class gets an own one, inheriting its base class's like the standard's.
 */
export function publishClassFacts(cls: object, facts: ClassMeta, metadata?: DecoratorMetadataObject): void {
  const bag = metadata ?? ownMetadata(cls);
  bag[CLASS_METADATA_KEY] = facts;
  const reflect = Reflect as unknown as ReflectMetadata;
  if (typeof reflect.defineMetadata === 'function') reflect.defineMetadata(CLASS_METADATA_KEY, facts, cls);
}

function ownMetadata(cls: object): DecoratorMetadataObject {
  const holder = cls as Record<symbol, DecoratorMetadataObject | undefined>;
  const own = Object.hasOwn(cls, METADATA) ? holder[METADATA] : undefined;
  if (own) return own;
  const bag = Object.create(holder[METADATA] ?? null) as DecoratorMetadataObject;
  Object.defineProperty(cls, METADATA, { value: bag, enumerable: true, configurable: true, writable: true });
  return bag;
}

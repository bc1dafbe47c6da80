// Class facts emitted by the transformer (transformer/src/meta.ts has the same shape) and merged along inheritance.

export const META_VERSION = 1;

export interface FieldMeta {
  name: string;
  type: string;
  optional?: true;
}
export interface ParamMeta {
  name: string;
  type: string;
  optional?: true;
  rest?: true;
}
export interface MethodMeta {
  name: string;
  params: ParamMeta[];
  returns: string;
  exclusive?: true;
  readonly?: true;
}
export interface ClassMeta {
  $dc: typeof META_VERSION;
  name: string;
  fields: FieldMeta[];
  methods: MethodMeta[];
  /** Constructor parameters, when the class declares a constructor. */
  ctor?: ParamMeta[];
}

export function isClassMeta(value: unknown): value is ClassMeta {
  return typeof value === 'object' && value !== null && (value as ClassMeta).$dc === META_VERSION;
}

/** What the runtime keeps per persistent class: own facts plus those inherited from persistent base classes. */
export interface ClassInfo {
  readonly name: string;
  readonly ctor: abstract new (...args: never[]) => object;
  readonly fields: readonly FieldMeta[];
  readonly fieldNames: ReadonlySet<string>;
  readonly methods: ReadonlyMap<string, MethodMeta>;
  /** Constructor parameters (own, or the nearest persistent ancestor's). */
  readonly ctorParams?: readonly ParamMeta[];
  /**
   * A stand-in for a class this process has not loaded (a reference decoded without the model): its fields are
   * not known here, so any field name is passed on to the backend, which knows.
   */
  readonly open?: boolean;
}

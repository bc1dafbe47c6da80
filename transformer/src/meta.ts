// The class facts the transformer emits; the runtime's ClassMeta (src/object/meta.ts) reads the same shape.
// Kept as a copy on purpose: the transformer never imports runtime code, and the runtime never imports TypeScript.

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

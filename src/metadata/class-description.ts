// A class as the cluster describes it (the metadata `class` operation): what a stub or a tool needs to use it
// without its source.
import type { FieldMeta, MethodMeta, ParamMeta } from '../object/meta.js';
import { valueClassFields } from '../serialization/value-classes.js';
import { classInfoByName } from '../object/registry.js';

export interface ClassDescription {
  name: string;
  /** `persistent` classes are used through stubs; `value` classes travel by value (their fields). */
  kind: 'persistent' | 'value';
  fields: FieldMeta[];
  methods: MethodMeta[];
  ctor?: ParamMeta[];
}

export function describeClass(className: string): ClassDescription {
  const value = valueClassDescription(className);
  if (value) return value;
  const info = classInfoByName(className);
  const description: ClassDescription = {
    name: info.name,
    kind: 'persistent',
    fields: [...info.fields],
    methods: [...info.methods.values()],
  };
  if (info.ctorParams) description.ctor = [...info.ctorParams];
  return description;
}

function valueClassDescription(className: string): ClassDescription | undefined {
  const fields = valueClassFields(className);
  return fields && { name: className, kind: 'value', fields, methods: [] };
}

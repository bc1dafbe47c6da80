// A class as the cluster describes it: what a stub (or a tool) needs to use it without its source.
import type { FieldMeta, MethodMeta } from '../object/meta.js';
import { classInfoByName } from '../object/registry.js';

export interface ClassDescription {
  name: string;
  fields: FieldMeta[];
  methods: MethodMeta[];
}

export function describeClass(className: string): ClassDescription {
  const info = classInfoByName(className);
  return { name: info.name, fields: [...info.fields], methods: [...info.methods.values()] };
}

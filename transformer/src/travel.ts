// Can a value of this type travel (msgpack, references, value classes)? Reports why not, for a compile error.
import ts from 'typescript';
import { findDecorator } from './decorators';

const ALLOWED_BUILTINS = new Set([
  'Date',
  'RegExp',
  'Error',
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Buffer',
  'Uint8Array',
  'Int8Array',
  'Uint8ClampedArray',
  'Uint16Array',
  'Int16Array',
  'Uint32Array',
  'Int32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
]);
const CONTAINERS = new Set(['Array', 'ReadonlyArray', 'Map', 'ReadonlyMap', 'Set', 'ReadonlySet']);
const FORBIDDEN = new Set([
  'Promise',
  'WeakMap',
  'WeakSet',
  'WeakRef',
  'Function',
  'Symbol',
  'Generator',
  'AsyncGenerator',
]);

/** Why a type cannot travel, or undefined when it can (or cannot be known: any, unknown, type parameters). */
export function whyNotTravel(type: ts.Type, checker: ts.TypeChecker, seen = new Set<ts.Type>()): string | undefined {
  if (seen.has(type)) return undefined;
  seen.add(type);
  const flags = type.flags;
  if (flags & (ts.TypeFlags.ESSymbol | ts.TypeFlags.UniqueESSymbol)) return 'a symbol';
  if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.TypeParameter | ts.TypeFlags.Never))
    return undefined;
  if (!(flags & ts.TypeFlags.Object) && !type.isUnionOrIntersection()) return undefined; // primitives, literals, enums
  if (type.isUnionOrIntersection()) {
    for (const t of type.types) {
      const why = whyNotTravel(t, checker, seen);
      if (why) return why;
    }
    return undefined;
  }
  if (type.getCallSignatures().length > 0) return 'a function';
  if (checker.isArrayType(type) || checker.isTupleType(type)) return typeArgs(type, checker, seen);
  const symbol = type.getSymbol() ?? type.aliasSymbol;
  const name = symbol?.getName() ?? '';
  if (FORBIDDEN.has(name)) return `a ${name}`;
  if (ALLOWED_BUILTINS.has(name)) return undefined;
  if (CONTAINERS.has(name)) return typeArgs(type, checker, seen);
  if (symbol && symbol.flags & ts.SymbolFlags.Class) {
    const decl = symbol.declarations?.find(ts.isClassDeclaration);
    if (extendsNamed(type, checker, 'DataClayObject')) return undefined; // travels as a reference
    if (decl && (findDecorator(decl, 'valueclass', checker) || findDecorator(decl, 'persistent', checker)))
      return undefined;
    return `an instance of class ${name}, which is neither persistent nor a @valueclass`;
  }
  // plain object types (interfaces, type literals): their data properties must travel; methods are not data
  for (const prop of type.getProperties()) {
    const decl = prop.valueDeclaration ?? prop.declarations?.[0];
    if (!decl || ts.isMethodSignature(decl) || ts.isMethodDeclaration(decl)) continue;
    const why = whyNotTravel(checker.getTypeOfSymbolAtLocation(prop, decl), checker, seen);
    if (why) return `${why} (in property '${prop.getName()}')`;
  }
  return undefined;
}

function typeArgs(type: ts.Type, checker: ts.TypeChecker, seen: Set<ts.Type>): string | undefined {
  for (const arg of checker.getTypeArguments(type as ts.TypeReference)) {
    const why = whyNotTravel(arg, checker, seen);
    if (why) return why;
  }
  return undefined;
}

export function extendsNamed(type: ts.Type, checker: ts.TypeChecker, name: string, seen = new Set<ts.Type>()): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  if (type.getSymbol()?.name === name) return true;
  const target = (type as ts.TypeReference).target ?? type;
  return (checker.getBaseTypes(target as ts.InterfaceType) ?? []).some((t) => extendsNamed(t, checker, name, seen));
}

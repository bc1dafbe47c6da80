// Checks a remote call's (or construction's) arguments against the declared parameters before model code runs:
// `inc()` or `inc('abc')` fails with InvalidArgumentError instead of storing NaN or '0abc'. Each signature is
// compiled once, at its first check, into one predicate per parameter; types it cannot read accept any value.
import { InvalidArgumentError } from '../errors.js';
import type { ClassInfo, FieldMeta, MethodMeta, ParamMeta } from '../object/meta.js';
import { anything, compileType, describeValue, orUndefined, type Check } from './type-predicates.js';
import { parseTypeText } from './type-text.js';

interface Signature {
  /** One per parameter before a rest parameter; an optional one accepts undefined. */
  readonly checks: readonly Check[];
  /** Each argument a rest parameter collects; undefined without a rest parameter. */
  readonly rest: Check | undefined;
  /** Nothing to check: any number of arguments of any type. */
  readonly trivial: boolean;
}

const TOO_MANY = -2;
const signatures = new WeakMap<readonly ParamMeta[], Signature>();

/** Throws InvalidArgumentError when `args` cannot be a call of `method` (of class `info`). */
export function checkArguments(info: ClassInfo, method: MethodMeta, args: readonly unknown[]): void {
  const signature = signatures.get(method.params) ?? compile(method.params);
  if (signature.trivial) return;
  const bad = firstMismatch(signature, args);
  if (bad !== -1) throw mismatch(info.name, method.name, method.params, signature, args, bad);
}

/** The same for a constructor run remotely; a class without a declared constructor takes anything. */
export function checkConstructorArguments(info: ClassInfo, args: readonly unknown[]): void {
  const params = info.ctorParams;
  if (!params) return;
  const signature = signatures.get(params) ?? compile(params);
  if (signature.trivial) return;
  const bad = firstMismatch(signature, args);
  if (bad !== -1) throw mismatch(info.name, 'constructor', params, signature, args, bad);
}

const fieldChecks = new WeakMap<FieldMeta, Check>();

/** Throws InvalidArgumentError when `value` cannot be the declared type of `field` (a remote dcSet). */
export function checkFieldValue(info: ClassInfo, field: string, value: unknown): void {
  const meta = info.fields.find((f) => f.name === field);
  if (!meta) return;
  let check = fieldChecks.get(meta);
  if (!check) {
    try {
      const compiled = compileType(parseTypeText(meta.type));
      check = meta.optional ? orUndefined(compiled) : compiled;
    } catch {
      check = anything; // a type it cannot read accepts any value, as for arguments
    }
    fieldChecks.set(meta, check);
  }
  if (!check(value)) {
    throw new InvalidArgumentError(info.name, 'dcSet', field, meta.type, check.why?.(value) ?? describeValue(value));
  }
}

function compile(params: readonly ParamMeta[]): Signature {
  let signature: Signature;
  try {
    signature = compileChecks(params);
  } catch {
    signature = { checks: [], rest: anything, trivial: true }; // a check that cannot be built must not refuse calls
  }
  signatures.set(params, signature);
  return signature;
}

function compileChecks(params: readonly ParamMeta[]): Signature {
  const fixed = params.filter((p) => !p.rest);
  const restParam = params.find((p) => p.rest);
  const checks = fixed.map((p) => {
    const check = compileType(parseTypeText(p.type));
    return p.optional ? orUndefined(check) : check;
  });
  let rest: Check | undefined;
  if (restParam) {
    const node = parseTypeText(restParam.type);
    rest = node.kind === 'array' ? compileType(node.element) : anything; // a tuple or generic rest: not checked
  }
  const trivial = rest === anything && checks.every((c) => c === anything);
  return { checks, rest, trivial };
}

/** The index of the first argument refused, TOO_MANY, or -1. A missing argument is checked as undefined. */
function firstMismatch({ checks, rest }: Signature, args: readonly unknown[]): number {
  const n = args.length;
  for (let i = 0; i < checks.length; i++) if (!checks[i](args[i])) return i;
  if (rest) {
    for (let i = checks.length; i < n; i++) if (!rest(args[i])) return i;
  } else {
    // trailing undefineds are what an omitted optional argument looks like to some callers: not an error
    for (let i = checks.length; i < n; i++) if (args[i] !== undefined) return TOO_MANY;
  }
  return -1;
}

function mismatch(
  className: string,
  method: string,
  params: readonly ParamMeta[],
  { checks, rest }: Signature,
  args: readonly unknown[],
  bad: number,
): InvalidArgumentError {
  if (bad === TOO_MANY) {
    const most = checks.length;
    return new InvalidArgumentError(
      className,
      method,
      'arguments',
      `at most ${most} argument${most === 1 ? '' : 's'}`,
      `${args.length}`,
    );
  }
  const inRest = bad >= checks.length;
  const param = inRest ? params.find((p) => p.rest)! : params.filter((p) => !p.rest)[bad];
  const check = inRest ? rest! : checks[bad];
  const value = args[bad];
  const got = bad >= args.length ? 'no argument' : (check.why?.(value) ?? describeValue(value));
  const name = inRest ? `${param.name}[${bad - checks.length}]` : param.name;
  return new InvalidArgumentError(className, method, name, inRest ? elementText(param.type) : param.type, got);
}

/** `string[]` → `string`, `Array<Person>` → `Person`: what each argument of a rest parameter must be. */
function elementText(type: string): string {
  const generic = /^(?:Readonly)?Array<(.*)>$/.exec(type);
  if (generic) return generic[1];
  return type.replace(/^readonly /, '').replace(/\[\]$/, '');
}

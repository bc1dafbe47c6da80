// Errors as values (a field, an argument, a result: not a thrown exception, which travels as RemoteError). msgpackr
// on its own sends an error's name, message and cause only, and rebuilds a plain Error for any class it does not
// know: a library error lost its class and `data`, every error its own fields. Here an error travels as its class
// (a built-in one, or one of this library's, which every process has), its name, message, cause and own fields;
// an error of a user's class comes back as an Error under that class's name, with its fields (extension type 3).
import { addExtension } from 'msgpackr';
import { DataClayError, ProtocolError, errorClasses } from '../errors.js';
import { findTooDeep, findUnencodable } from './encodable.js';

const ERROR_EXTENSION = 3;

type Built = new (message?: string, options?: ErrorOptions) => Error;

const BUILT_IN: Readonly<Record<string, Built>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** [class, name, message, cause, own fields, the errors of an AggregateError] */
type WireErrorValue = [kind: string, name: string, message: string, cause: unknown, fields: object, errors?: unknown[]];

/** The class an error is rebuilt as: its own when the other side has it for sure, else Error. */
function kindOf(err: Error): string {
  const ctor = err.constructor;
  if (err instanceof AggregateError) return 'AggregateError';
  for (const [name, cls] of Object.entries(BUILT_IN)) if (ctor === cls) return name;
  for (const [name, cls] of Object.entries(errorClasses)) if (ctor === cls) return name;
  return 'Error';
}

/** What travels apart from the fields (the stack stays with the sender: a backend's paths stay there). */
const OWN = new Set(['name', 'message', 'stack', 'cause']);

/**
 * Own enumerable fields (`code`, a DataClayError's `data`) that can travel: one that cannot (a socket, a function)
 * is left out, as a thrown exception's are (RemoteError), rather than refusing the whole value.
 */
function fieldsOf(err: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(err)) {
    if (OWN.has(key)) continue;
    const value = (err as unknown as Record<string, unknown>)[key];
    if (findUnencodable(value, key) === undefined && findTooDeep(value, key) === undefined) fields[key] = value;
  }
  return fields;
}

function rebuild([kind, name, message, cause, fields, errors]: WireErrorValue): Error {
  const options = cause === undefined ? undefined : { cause };
  let err: Error;
  if (kind === 'AggregateError') err = new AggregateError(Array.isArray(errors) ? errors : [], message, options);
  else if (Object.hasOwn(BUILT_IN, kind)) err = new BUILT_IN[kind](message, options);
  // a library error: the same class (instanceof holds), without running its own constructor (the message is given)
  else if (Object.hasOwn(errorClasses, kind))
    err = Reflect.construct(DataClayError, [message, {}, options], errorClasses[kind]) as Error;
  else err = new Error(message, options);
  if (err.name !== name) Object.defineProperty(err, 'name', { value: name, configurable: true, writable: true });
  // frames of the decoder would say it was made here: it was made in another process, whose stack stays there
  Object.defineProperty(err, 'stack', { value: `${name}: ${message}`, configurable: true, writable: true });
  if (typeof fields === 'object' && fields !== null)
    for (const [key, field] of Object.entries(fields)) if (!OWN.has(key)) Object.assign(err, { [key]: field });
  return err;
}

addExtension({
  Class: Error,
  type: ERROR_EXTENSION,
  write(err: Error): WireErrorValue {
    const value: WireErrorValue = [kindOf(err), String(err.name), String(err.message), err.cause, fieldsOf(err)];
    if (err instanceof AggregateError) value.push(err.errors);
    return value;
  },
  read: (value: WireErrorValue) => {
    if (!Array.isArray(value) || value.length < 5 || value.slice(0, 3).some((part) => typeof part !== 'string'))
      throw new ProtocolError('an error value is malformed');
    return rebuild(value);
  },
});

// The options objects of the object API (makePersistent, move, newReplica, dcDelete), checked before anything is
// sent: a misspelt key (`backendID`), a Python-style positional alias (`makePersistent('john')`) or a value of the
// wrong type would otherwise be ignored, or fail later as a TypeError deep inside.
import { InvalidOptionError } from '../errors.js';

type Kind = 'string' | 'boolean';

/** Returns `options` (undefined: `{}`) once each key is one of `known`, of its kind. */
export function checkOptions<T extends object>(
  method: string,
  options: T | undefined,
  known: Readonly<Record<string, Kind>>,
): T {
  if (options === undefined) return {} as T;
  const names = Object.keys(known).join(', ');
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(`${method} options`, options, `an object with any of ${names}`);
  }
  for (const [key, value] of Object.entries(options)) {
    const kind = known[key];
    if (kind === undefined) throw new InvalidOptionError(`${method} option '${key}'`, value, `one of ${names}`);
    if (value !== undefined && typeof value !== kind)
      throw new InvalidOptionError(`${method} option '${key}'`, value, `a ${kind}`);
  }
  return options;
}

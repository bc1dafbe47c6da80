// Every error the library throws: small classes under DataClayError, one list that feeds the public exports and
// the wire registry (an error travels by class name and is rebuilt as the same class on the caller's side).
import { DataClayError } from './errors/base.js';
import * as backends from './errors/backends.js';
import * as metadata from './errors/metadata.js';
import * as objects from './errors/objects.js';
import * as security from './errors/security.js';
import * as transport from './errors/transport.js';
import * as user from './errors/user.js';

export { DataClayError, type ErrorData } from './errors/base.js';
export * from './errors/backends.js';
export * from './errors/metadata.js';
export * from './errors/objects.js';
export * from './errors/security.js';
export * from './errors/transport.js';
export * from './errors/user.js';

/** Every error class of the library, by name: what `instanceof` checks and the wire can rebuild. */
export const errors = Object.freeze({
  DataClayError,
  ...objects,
  ...backends,
  ...metadata,
  ...transport,
  ...security,
  ...user,
});

type ErrorClass = abstract new (...args: never[]) => DataClayError;

/** Classes the wire envelope can rebuild, by name. */
export const errorClasses: Readonly<Record<string, ErrorClass>> = errors;

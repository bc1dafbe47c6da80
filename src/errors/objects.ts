// Errors about objects, aliases, classes and their fields and methods.
import { DataClayError } from './base.js';

export class AlreadyExistsError extends DataClayError<{ dataset: string; alias: string }> {
  constructor(dataset: string, alias: string, options?: ErrorOptions) {
    super(`${dataset}/${alias} already exists`, { dataset, alias }, options);
  }
}

export class AliasDoesNotExistError extends DataClayError<{ dataset: string; alias: string }> {
  constructor(dataset: string, alias: string, options?: ErrorOptions) {
    super(`Alias ${dataset}/${alias} does not exist`, { dataset, alias }, options);
  }
}

export class InvalidAliasError extends DataClayError<{ alias: unknown }> {
  /** `problem`: what is wrong with it (metadata/keys.ts nameProblem). */
  constructor(alias: unknown, options?: ErrorOptions, problem = 'must be a non-empty string') {
    const shown =
      typeof alias === 'string' && alias.length > 64
        ? `${JSON.stringify(alias.slice(0, 64))}...`
        : JSON.stringify(alias);
    super(`Alias ${problem}, got ${shown}`, { alias }, options);
  }
}

export class DoesNotExistError extends DataClayError<{ objectId: string }> {
  constructor(objectId: string, options?: ErrorOptions) {
    super(`Object ${objectId} does not exist`, { objectId }, options);
  }
}

export class ObjectNotRegisteredError extends DataClayError<{ objectId: string }> {
  constructor(objectId: string, options?: ErrorOptions) {
    super(`Object ${objectId} is not registered`, { objectId }, options);
  }
}

/** The object is persistent already, on `backendId` when known: it cannot be registered a second time. */
export class AlreadyPersistentError extends DataClayError<{ objectId: string; backendId?: string }> {
  constructor(objectId: string, backendId?: string, options?: ErrorOptions) {
    super(
      `Object ${objectId} is already persistent${backendId ? ` on backend ${backendId}` : ''}`,
      { objectId, backendId },
      options,
    );
  }
}

export class ObjectIsNotVersionError extends DataClayError<{ objectId: string }> {
  constructor(objectId: string, options?: ErrorOptions) {
    super(`Object ${objectId} is not a version`, { objectId }, options);
  }
}

export class ObjectIsMasterError extends DataClayError<{ objectId: string }> {
  constructor(objectId: string, options?: ErrorOptions) {
    super(`Object ${objectId} is the master`, { objectId }, options);
  }
}

/** An object this operation needed moved while it ran, and following it took more redirects than allowed. */
export class ObjectMovedError extends DataClayError<{ objectId: string; owner: string }> {
  constructor(objectId: string, owner: string, options?: ErrorOptions) {
    super(`Object ${objectId} moved to backend ${owner} during the operation; retry it`, { objectId, owner }, options);
  }
}

export class NotLocalError extends DataClayError<{
  className: string;
  field: string;
  objectId: string;
  backendId: string | undefined;
}> {
  constructor(
    className: string,
    field: string,
    objectId: string,
    backendId: string | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `${className}.${field} is not local: object ${objectId} lives on backend ${backendId ?? '?'}. ` +
        `Use await obj.dcGet('${field}') or await obj.dcSet('${field}', value).`,
      { className, field, objectId, backendId },
      options,
    );
  }
}

/** A field of a read replica was assigned: only the master changes an object. */
export class ReplicaWriteError extends DataClayError<{ className: string; field: string; objectId: string }> {
  constructor(className: string, field: string, objectId: string, options?: ErrorOptions) {
    super(
      `${className}.${field} is a replica here: only its master changes it (use dcSet or an active method)`,
      { className, field, objectId },
      options,
    );
  }
}

/** A method declared read-only changed its object; the change was undone. */
export class ReadOnlyViolationError extends DataClayError<{ className: string; method: string; objectId: string }> {
  constructor(className: string, method: string, objectId: string, options?: ErrorOptions) {
    super(
      `read-only method ${className}.${method} changed its object; the change was undone`,
      { className, method, objectId },
      options,
    );
  }
}

export class ClassNotFoundError extends DataClayError<{ className: string }> {
  constructor(className: string, options?: ErrorOptions) {
    super(`Class ${className} is not registered in this process: load its model module`, { className }, options);
  }
}

/** A class was asked for as the wrong kind (a value class where a persistent one is needed, or the reverse). */
export class ClassKindError extends DataClayError<{ className: string; expected: string }> {
  constructor(className: string, expected: 'persistent' | 'value', options?: ErrorOptions) {
    super(`${className} is not a ${expected} class`, { className, expected }, options);
  }
}

export class MethodNotFoundError extends DataClayError<{ className: string; method: string }> {
  constructor(className: string, method: string, options?: ErrorOptions) {
    super(`${className} has no active method '${method}'`, { className, method }, options);
  }
}

export class FieldNotFoundError extends DataClayError<{ className: string; field: string }> {
  constructor(className: string, field: string, options?: ErrorOptions) {
    super(`${className} has no persistent field '${field}'`, { className, field }, options);
  }
}

/** An active method was called with arguments that do not match its declared parameters. */
export class InvalidArgumentError extends DataClayError<{
  className: string;
  method: string;
  parameter: string;
  expected: string;
  got: string;
}> {
  constructor(
    className: string,
    method: string,
    parameter: string,
    expected: string,
    got: string,
    options?: ErrorOptions,
  ) {
    super(
      `${className}.${method}(): parameter '${parameter}' expects ${expected}, got ${got}`,
      { className, method, parameter, expected, got },
      options,
    );
  }
}

/** A value that cannot travel: a function, a symbol, an instance of a class that is neither persistent nor a value class. */
export class UnserializableError extends DataClayError<{ path: string; reason: string }> {
  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(`${path} cannot be serialized: ${reason}`, { path, reason }, options);
  }
}

/**
 * dcUpdate between objects of different classes, or a lookup through a class (`Person.getByAlias`) that found an
 * object of another one.
 */
export class ClassMismatchError extends DataClayError<{ expected: string; actual: string }> {
  constructor(expected: string, actual: string, options?: ErrorOptions & { found?: string }) {
    super(
      options?.found === undefined
        ? `Objects must be of the same class: expected ${expected}, got ${actual}`
        : `${options.found} is a ${actual}, not a ${expected}: look it up through ${actual} (or DataClayObject)`,
      { expected, actual },
      options,
    );
  }
}

/** A stub class was constructed with `new`: its instances live on backends and are made with `create`. */
export class StubConstructionError extends DataClayError<{ className: string }> {
  constructor(className: string, name: string, options?: ErrorOptions) {
    super(`${name} is a stub: create instances with await ${name}.create(...)`, { className }, options);
  }
}

/** Two different classes were registered as value classes under one name. */
export class ValueClassConflictError extends DataClayError<{ name: string }> {
  constructor(name: string, options?: ErrorOptions) {
    super(`value class name '${name}' is already registered for another class`, { name }, options);
  }
}

/** A dataset an admin has not created (datasets are access boundaries: docs/security.md). */
export class DatasetNotFoundError extends DataClayError<{ dataset: string }> {
  constructor(dataset: string, options?: ErrorOptions) {
    super(`dataset ${dataset} does not exist`, { dataset }, options);
  }
}

export class DatasetExistsError extends DataClayError<{ dataset: string }> {
  constructor(dataset: string, options?: ErrorOptions) {
    super(`dataset ${dataset} exists already`, { dataset }, options);
  }
}

/** A stored object was written by a newer version of its class than this process has: it is not loaded here. */
export class SchemaVersionError extends DataClayError<{
  className: string;
  id: string;
  stored: number;
  loaded: number;
}> {
  constructor(className: string, id: string, stored: number, loaded: number, options?: ErrorOptions) {
    super(
      `${className} ${id} was stored by version ${stored} of its class, this backend has version ${loaded}: ` +
        'upgrade this backend to the newer model (it never overwrites a newer record)',
      { className, id, stored, loaded },
      options,
    );
  }
}

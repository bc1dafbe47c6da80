// Every error the library throws: small classes under DataClayError, rebuilt by name on the caller's side.

export interface ErrorData {
  [key: string]: unknown;
}

export class DataClayError extends Error {
  /** Structured facts for the caller (object id, backend id, alias...); travels in the wire envelope. */
  readonly data: ErrorData;
  constructor(message: string, data: ErrorData = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.data = data;
  }
}

export class AlreadyExistsError extends DataClayError {
  constructor(dataset: string, alias: string, options?: ErrorOptions) {
    super(`${dataset}/${alias} already exists`, { dataset, alias }, options);
  }
}

export class AliasDoesNotExistError extends DataClayError {
  constructor(dataset: string, alias: string, options?: ErrorOptions) {
    super(`Alias ${dataset}/${alias} does not exist`, { dataset, alias }, options);
  }
}

export class InvalidAliasError extends DataClayError {
  constructor(alias: unknown, options?: ErrorOptions) {
    super(`Alias must be a non-empty string, got ${JSON.stringify(alias)}`, { alias }, options);
  }
}

export class DoesNotExistError extends DataClayError {
  constructor(objectId: string, options?: ErrorOptions) {
    super(`Object ${objectId} does not exist`, { objectId }, options);
  }
}

export class ObjectNotRegisteredError extends DataClayError {
  constructor(objectId: string, options?: ErrorOptions) {
    super(`Object ${objectId} is not registered`, { objectId }, options);
  }
}

export class ObjectIsNotVersionError extends DataClayError {
  constructor(objectId: string, options?: ErrorOptions) {
    super(`Object ${objectId} is not a version`, { objectId }, options);
  }
}

export class ObjectIsMasterError extends DataClayError {
  constructor(objectId: string, options?: ErrorOptions) {
    super(`Object ${objectId} is the master`, { objectId }, options);
  }
}

export class BackendNotFoundError extends DataClayError {
  constructor(backendId: string, known: string[] = [], options?: ErrorOptions) {
    super(`Backend ${backendId} is not known (known: ${known.join(', ') || 'none'})`, { backendId, known }, options);
  }
}

/** The backend is registered but does not answer: it stopped or crashed. */
export class BackendUnavailableError extends DataClayError {
  constructor(backendId: string, options?: ErrorOptions) {
    super(`Backend ${backendId} does not answer`, { backendId }, options);
  }
}

export class NoBackendsError extends DataClayError {
  constructor(options?: ErrorOptions) {
    super('No backends are available: start one with `dataclay backend` or `dataclay dev`', {}, options);
  }
}

export class NotLocalError extends DataClayError {
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

export class TimeoutError extends DataClayError {
  constructor(operation: string, timeoutMs: number, options?: ErrorOptions) {
    super(`${operation} timed out after ${timeoutMs} ms`, { operation, timeoutMs }, options);
  }
}

/** The caller's AbortSignal fired before the reply came. */
export class AbortedError extends DataClayError {
  constructor(operation: string, options?: ErrorOptions) {
    super(`${operation} was aborted`, { operation }, options);
  }
}

/** A single message (a value, a reply) larger than the NATS server's max_payload; batches of objects are split instead. */
export class PayloadTooLargeError extends DataClayError {
  constructor(subject: string, size: number, maxPayload: number, options?: ErrorOptions) {
    super(
      `message of ${size} bytes on ${subject} exceeds the NATS max_payload of ${maxPayload} bytes`,
      { subject, size, maxPayload },
      options,
    );
  }
}

/** A user exception thrown by an active method, with the remote name, message and stack kept. */
export class RemoteError extends DataClayError {
  constructor(remoteName: string, message: string, remoteStack?: string, options?: ErrorOptions) {
    super(`${remoteName}: ${message}`, { remoteName, remoteMessage: message, remoteStack }, options);
  }
  /** The `name` of the exception thrown on the backend (`RangeError`, a user class name...). */
  get remoteName(): string {
    return this.data.remoteName as string;
  }
  get remoteMessage(): string {
    return this.data.remoteMessage as string;
  }
  get remoteStack(): string | undefined {
    return this.data.remoteStack as string | undefined;
  }
}

export class TransformerNotConfiguredError extends DataClayError {
  constructor(what: string, options?: ErrorOptions) {
    super(
      `${what} was compiled without the dataclay transformer. Build with ts-patch (\`tspc\`) and add ` +
        `"plugins": [{ "transform": "dataclay/transformer" }] to tsconfig.json compilerOptions (see docs/transformer.md).`,
      { what },
      options,
    );
  }
}

export class ClassNotFoundError extends DataClayError {
  constructor(className: string, options?: ErrorOptions) {
    super(`Class ${className} is not registered in this process: load its model module`, { className }, options);
  }
}

export class MethodNotFoundError extends DataClayError {
  constructor(className: string, method: string, options?: ErrorOptions) {
    super(`${className} has no active method '${method}'`, { className, method }, options);
  }
}

export class FieldNotFoundError extends DataClayError {
  constructor(className: string, field: string, options?: ErrorOptions) {
    super(`${className} has no persistent field '${field}'`, { className, field }, options);
  }
}

/** A value that cannot travel: a function, a symbol, an instance of a class that is neither persistent nor a value class. */
export class UnserializableError extends DataClayError {
  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(`${path} cannot be serialized: ${reason}`, { path, reason }, options);
  }
}

/** dcUpdate between objects of different classes. */
export class ClassMismatchError extends DataClayError {
  constructor(expected: string, actual: string, options?: ErrorOptions) {
    super(`Objects must be of the same class: expected ${expected}, got ${actual}`, { expected, actual }, options);
  }
}

/** The request could not be decoded or is not of a known shape. */
export class ProtocolError extends DataClayError {}

/** The object is owned by another backend; the caller retries there (not seen by users unless retries run out). */
export class WrongBackendError extends DataClayError {
  constructor(objectId: string, owner: string, options?: ErrorOptions) {
    super(`Object ${objectId} is owned by backend ${owner}`, { objectId, owner }, options);
  }
}

export class ClientNotStartedError extends DataClayError {
  constructor(options?: ErrorOptions) {
    super('No dataClay client is started in this process: await client.start() first', {}, options);
  }
}

type ErrorClass = new (...args: never[]) => DataClayError;

/** Classes the wire envelope can rebuild, by name. */
export const errorClasses: Record<string, ErrorClass> = Object.fromEntries(
  [
    DataClayError,
    AlreadyExistsError,
    AliasDoesNotExistError,
    InvalidAliasError,
    DoesNotExistError,
    ObjectNotRegisteredError,
    ObjectIsNotVersionError,
    ObjectIsMasterError,
    BackendNotFoundError,
    BackendUnavailableError,
    NoBackendsError,
    NotLocalError,
    TimeoutError,
    AbortedError,
    PayloadTooLargeError,
    RemoteError,
    TransformerNotConfiguredError,
    ClassNotFoundError,
    MethodNotFoundError,
    FieldNotFoundError,
    ProtocolError,
    WrongBackendError,
    ClientNotStartedError,
    UnserializableError,
    ClassMismatchError,
  ].map((c) => [c.name, c as ErrorClass]),
);

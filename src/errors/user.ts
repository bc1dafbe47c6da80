// Errors a user's own code, configuration or build causes.
import { DataClayError } from './base.js';

// a type, not an interface: the errors registry needs its implicit index signature
type RemoteErrorData = {
  remoteName: string;
  remoteMessage: string;
  remoteStack?: string;
  /** The exception's own enumerable fields that could travel (msgpack-able values, persistent objects). */
  remoteFields?: Record<string, unknown>;
};

/** A user exception thrown by an active method, with the remote name, message, stack and fields kept. */
export class RemoteError extends DataClayError<RemoteErrorData> {
  constructor(
    remoteName: string,
    message: string,
    remoteStack?: string,
    remoteFields?: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    const data: RemoteErrorData = { remoteName, remoteMessage: message, remoteStack };
    if (remoteFields) data.remoteFields = remoteFields;
    super(`${remoteName}: ${message}`, data, options);
  }
  /** The exception's class name on the backend (`RangeError`, `InsufficientFunds`), or the `name` it set. */
  get remoteName(): string {
    return this.data.remoteName;
  }
  get remoteMessage(): string {
    return this.data.remoteMessage;
  }
  get remoteStack(): string | undefined {
    return this.data.remoteStack;
  }
  /** Its own fields (`{ shortBy: 5 }`); empty when it had none that could travel. */
  get remoteFields(): Record<string, unknown> {
    return this.data.remoteFields ?? {};
  }
}

export class TransformerNotConfiguredError extends DataClayError<{ what: string }> {
  constructor(what: string, options?: ErrorOptions) {
    super(
      `${what} was compiled without the dataclay transformer. Build with ts-patch (\`tspc\`) and add ` +
        `"plugins": [{ "transform": "dataclay/transformer" }] to tsconfig.json compilerOptions; under vitest or vite, ` +
        `add plugins: [dataclay()] from 'dataclay/vite' (see docs/transformer.md).`,
      { what },
      options,
    );
  }
}

export class ClientNotStartedError extends DataClayError<Record<string, never>> {
  constructor(options?: ErrorOptions) {
    super('No dataClay client is started in this process: await client.start() first', {}, options);
  }
}

/** An option (of Client, Backend, the CLI) has a value it cannot take. */
export class InvalidOptionError extends DataClayError<{ option: string; value: string; expected: string }> {
  constructor(option: string, value: unknown, expected: string, options?: ErrorOptions) {
    super(
      `${option} must be ${expected}, got ${JSON.stringify(value) ?? String(value)}`,
      { option, value: String(value), expected },
      options,
    );
  }
}

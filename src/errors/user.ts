// Errors a user's own code, configuration or build causes.
import { DataClayError } from './base.js';

/** A user exception thrown by an active method, with the remote name, message and stack kept. */
export class RemoteError extends DataClayError<{ remoteName: string; remoteMessage: string; remoteStack?: string }> {
  constructor(remoteName: string, message: string, remoteStack?: string, options?: ErrorOptions) {
    super(`${remoteName}: ${message}`, { remoteName, remoteMessage: message, remoteStack }, options);
  }
  /** The `name` of the exception thrown on the backend (`RangeError`, a user class name...). */
  get remoteName(): string {
    return this.data.remoteName;
  }
  get remoteMessage(): string {
    return this.data.remoteMessage;
  }
  get remoteStack(): string | undefined {
    return this.data.remoteStack;
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

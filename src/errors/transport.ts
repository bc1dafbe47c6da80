// Errors of the transport: requests, replies, the connection to NATS.
import { DataClayError } from './base.js';

export class TimeoutError extends DataClayError<{ operation: string; timeoutMs: number }> {
  constructor(operation: string, timeoutMs: number, options?: ErrorOptions) {
    super(`${operation} timed out after ${timeoutMs} ms`, { operation, timeoutMs }, options);
  }
}

/** The caller's AbortSignal fired before the reply came. */
export class AbortedError extends DataClayError<{ operation: string }> {
  constructor(operation: string, options?: ErrorOptions) {
    super(`${operation} was aborted`, { operation }, options);
  }
}

/** A single message (a value, a reply) larger than the NATS server's max_payload; batches of objects are split instead. */
export class PayloadTooLargeError extends DataClayError<{ subject: string; size: number; maxPayload: number }> {
  constructor(subject: string, size: number, maxPayload: number, options?: ErrorOptions) {
    super(
      `message of ${size} bytes on ${subject} exceeds the NATS max_payload of ${maxPayload} bytes`,
      { subject, size, maxPayload },
      options,
    );
  }
}

/** A message that could not be decoded, or is not of the shape its operation declares. */
export class ProtocolError extends DataClayError<{ operation?: string; part?: string }> {
  constructor(message: string, data: { operation?: string; part?: string } = {}, options?: ErrorOptions) {
    super(message, data, options);
  }
}

/** The connection to NATS is closed (the client or backend stopped); start it again. */
export class ConnectionClosedError extends DataClayError<Record<string, never>> {
  constructor(options?: ErrorOptions) {
    super('the connection to NATS is closed: start the client again', {}, options);
  }
}

/** NATS could not be reached, or refused us; `hint` says what to do. */
export class NatsConnectionError extends DataClayError<{ servers: string[]; hint: string }> {
  constructor(servers: string[], reason: string, hint: string, options?: ErrorOptions) {
    super(`cannot connect to NATS at ${servers.join(', ')}: ${reason}. ${hint}`, { servers, hint }, options);
  }
}

/** NATS refused our credentials (or we gave none where some are needed). */
export class AuthenticationError extends DataClayError<{ servers: string[] }> {
  constructor(servers: string[], reason: string, options?: ErrorOptions) {
    super(
      `NATS at ${servers.join(', ')} refused the credentials: ${reason}. Give user/pass, token, nkey or creds ` +
        '(options or DC_NATS_* variables; docs/security.md)',
      { servers },
      options,
    );
  }
}

/** The NATS server runs without JetStream, which holds the metadata. */
export class JetStreamNotEnabledError extends DataClayError<Record<string, never>> {
  constructor(options?: ErrorOptions) {
    super(
      'JetStream is not enabled on the NATS server: start nats-server with -js (or use `dataclay dev`)',
      {},
      options,
    );
  }
}

/** The request was refused: the caller's identity may not do this. */
export class PermissionDeniedError extends DataClayError<{ operation: string; user?: string; dataset?: string }> {
  constructor(
    operation: string,
    reason: string,
    data: { user?: string; dataset?: string } = {},
    options?: ErrorOptions,
  ) {
    super(`${operation} is not permitted: ${reason}`, { operation, ...data }, options);
  }
}

/**
 * A request lost its reply (the connection to NATS dropped while it waited): it may or may not have been applied.
 * With `idempotent`, it was an operation whose repetition is harmless, already retried once and lost again.
 */
export class OutcomeUnknownError extends DataClayError<{ operation: string; idempotent: boolean }> {
  constructor(operation: string, options?: ErrorOptions & { idempotent?: boolean }) {
    const idempotent = options?.idempotent ?? false;
    super(
      idempotent
        ? `${operation}: the reply was lost twice (the connection to NATS dropped); it is safe to retry`
        : `${operation}: the reply was lost (the connection to NATS dropped), the outcome is unknown; check the state (read the object, look the alias up) before retrying`,
      { operation, idempotent },
      options,
    );
  }
}

// The process's NATS connection, and nats.js failures turned into our errors with a hint that says what to do.
// noAsyncTraces: the default stack capture per request costs half the client's CPU. inboxPrefix: nats.js's own
// requests (JetStream, KV) reply to the identity's private inbox, the only one a secured server lets it read.
import { connect, type NatsConnection, PermissionViolationError } from '@nats-io/transport-node';
import {
  AuthenticationError,
  DataClayError,
  InvalidOptionError,
  JetStreamNotEnabledError,
  NatsConnectionError,
  PermissionDeniedError,
} from '../errors.js';
import { natsIdentity } from './nats-identity.js';
import { connectionOptions, type NatsSettings, resolveNatsSettings } from './connect-options.js';
import { inboxPrefix } from './subjects.js';

export { DEFAULT_NATS_URL } from './connect-options.js';

const START_HINT = 'Is nats-server running? Start one with `dataclay dev`, or `nats-server -js`.';
const TLS_HINT =
  'Check the TLS settings: the CA that signed the server certificate (tls.ca, DC_NATS_TLS_CA, --nats-tls-ca), and ' +
  'a client certificate and key if the server verifies clients.';

/**
 * Connects with resolved settings (or, for the benchmarks, just server URLs); throws our errors. `identity`: who
 * this connection is in subjects and inboxes (default: its NATS user, or the nkey's public key).
 */
export async function connectNats(
  settings: NatsSettings | string,
  name: string,
  identity?: string,
): Promise<NatsConnection> {
  if (typeof settings === 'string') settings = resolveNatsSettings({ servers: settings }, {});
  const user = identity ?? natsIdentity(settings);
  const options = {
    ...connectionOptions(settings, name),
    ...(user !== undefined && { inboxPrefix: inboxPrefix(user) }),
  };
  try {
    return await connect(options);
  } catch (err) {
    throw connectError(err, settings);
  }
}

/** A nats.js connect failure as the error a user can act on; the original stays the `cause`. */
export function connectError(err: unknown, settings: NatsSettings): Error {
  if (err instanceof DataClayError || !(err instanceof Error)) return err as Error;
  const { servers } = settings;
  const cause = { cause: err };
  const code = (err as { code?: unknown }).code ?? (err.cause as { code?: unknown } | undefined)?.code;
  if (err instanceof TypeError && (code === 'ERR_INVALID_URL' || /invalid url/i.test(err.message))) {
    return new InvalidOptionError('servers', servers.join(','), 'NATS server URLs (nats://host:port)', cause);
  }
  if (err.name === 'AuthorizationError' || err.name === 'UserAuthenticationExpiredError') {
    const none = !settings.user && !settings.token && !settings.nkeySeed && !settings.credsFile;
    const reason = none ? `it requires credentials and none were given (${err.message})` : err.message;
    return new AuthenticationError(servers, reason, cause);
  }
  if (isTlsFailure(err, code)) return new NatsConnectionError(servers, tlsReason(err), TLS_HINT, cause);
  if (code === 'ECONNREFUSED' || /connection refused/i.test(err.message)) {
    return new NatsConnectionError(servers, 'connection refused', START_HINT, cause);
  }
  if (err.name === 'TimeoutError') {
    // a server that verifies client certificates drops a client without one after the handshake: nats.js only
    // notices when its handshake timeout expires
    const mutual =
      settings.tls && !settings.tls.cert ? ' If the server verifies clients, give tls.cert and tls.key.' : '';
    return new NatsConnectionError(
      servers,
      'no answer in time',
      `Check the address and port.${mutual} ${START_HINT}`,
      cause,
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new NatsConnectionError(servers, 'unknown host', 'Check the host name in the server URL.', cause);
  }
  return new NatsConnectionError(servers, err.message, START_HINT, cause);
}

/**
 * For a `.catch` where the metadata buckets are opened: JetStream missing on the server is the user's to fix, and
 * a NATS user without the backend role may not touch them.
 */
export function jetStreamRequired(err: unknown): never {
  const violation = [err, (err as { cause?: unknown } | undefined)?.cause].find(
    (e) => e instanceof PermissionViolationError,
  );
  if (violation) {
    const reason = 'this NATS user is not a backend (docs/security.md)';
    throw new PermissionDeniedError('opening the metadata buckets', reason, {}, { cause: err });
  }
  const e = err as { name?: string; code?: unknown } | undefined;
  // JetStreamNotEnabled: no JetStream at all; API error 10039: JetStream not enabled for this account
  if (e?.name === 'JetStreamNotEnabled' || (e?.name === 'JetStreamApiError' && e.code === 10039)) {
    throw new JetStreamNotEnabledError({ cause: err });
  }
  throw err;
}

function isTlsFailure(err: Error, code: unknown): boolean {
  const codes = [err, err.cause].map((e) => String((e as { code?: unknown } | undefined)?.code ?? ''));
  return (
    codes.some((c) => /^ERR_TLS|^ERR_SSL|CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(c)) ||
    code === 'EPROTO' ||
    /\btls\b|certificate/i.test(err.message)
  );
}

function tlsReason(err: Error): string {
  const inner = err.cause instanceof Error ? err.cause.message : undefined;
  return `TLS failed (${inner && inner !== err.message ? `${err.message}: ${inner}` : err.message})`;
}

// What a Client is configured with, what it shows of that, and what it hands to another thread (no secrets).
import type { NatsConnection } from '@nats-io/transport-node';
import type { NatsConnectOptions, NatsTlsFiles } from '../messaging/connect-options.js';

/**
 * NATS settings (`servers`, `user`/`pass`, `token`, `nkeySeed`, `credsFile`, `tls`, each with its DC_NATS_* variable:
 * docs/connecting.md) and the client's own.
 */
export interface ClientOptions extends NatsConnectOptions {
  /** An open NATS connection to use instead of connecting; the client leaves it open on stop. */
  connection?: NatsConnection;
  /**
   * Who this client is. With a NATS user (or nkey) it is that identity, and a different username is refused; without
   * one (an open server, a token), env DC_USERNAME, default "admin". A name matching [A-Za-z0-9_-]+.
   */
  username?: string;
  /**
   * Env DC_PASSWORD: the NATS password of `username` (dataClay's login), when no other NATS credentials are given.
   * Never shown in `client.options` or a context.
   */
  password?: string;
  /** Dataset of the objects this client creates and of its alias lookups. Env DC_DATASET, default "admin". */
  dataset?: string;
  /** Lets two clusters share one NATS. Env DC_NAMESPACE, default "default". */
  namespace?: string;
  /** Per-request timeout in ms. Env DC_TIMEOUT_MS, default 30000. */
  timeoutMs?: number;
}

/**
 * Everything a client in another thread (or process) needs to act in the same context: plain data, structured-
 * clonable, for `workerData` or `postMessage`. Made by `client.exportContext()`, used by `Client.fromContext()`.
 * It holds no secret: a password, token or nkey seed stays behind `secretsRef`, a key of the worker_threads
 * environment data (`setEnvironmentData`), which every worker started after `exportContext()` inherits; elsewhere
 * (another process) the DC_NATS_* variables supply them.
 */
export interface ClientContext {
  servers: string[];
  user?: string;
  credsFile?: string;
  tls?: NatsTlsFiles;
  secretsRef?: string;
  namespace: string;
  username: string;
  dataset: string;
  timeoutMs: number;
}

/** The settings a client shows (`client.options`): no NATS secret is among them. */
export interface ClientSettings {
  /** The servers, comma-separated, without userinfo. */
  natsUrl: string;
  servers: string[];
  username: string;
  dataset: string;
  namespace: string;
  timeoutMs: number;
}

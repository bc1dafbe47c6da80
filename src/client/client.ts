// Client: connects this process to a dataClay cluster over NATS and makes persistent objects usable in it.
import { randomUUID } from 'node:crypto';
import { getEnvironmentData, setEnvironmentData } from 'node:worker_threads';
import type { NatsConnection } from '@nats-io/transport-node';
import { ClassKindError, ClientNotStartedError, InvalidOptionError } from '../errors.js';
import {
  type NatsConnectOptions,
  type NatsSecrets,
  type NatsSettings,
  type NatsTlsFiles,
  publicSettings,
  resolveNatsSettings,
  secretsOf,
} from '../messaging/connect-options.js';
import { connectNats } from '../messaging/connection.js';
import type { BackendInfo, ObjectMetadata } from '../metadata/types.js';
import { BackendHandle } from './backend-handle.js';
import { DatasetsHandle } from './datasets-handle.js';
import { stubFor, type StubClass, type StubObject } from '../stubs/stub-class.js';
import { installRuntime, removeRuntime } from '../object/runtime-slot.js';
import type { CallOptions, Session } from '../object/context.js';
import type { ClassDescription } from '../metadata/class-description.js';
import { ClientRuntime } from './client-runtime.js';
import { clientIdentity } from '../security/identity.js';

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
  /** Env DC_PASSWORD. Carried for the coming auth layer; not checked yet. */
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
  password?: string;
  dataset: string;
  namespace: string;
  timeoutMs: number;
}

export class Client implements AsyncDisposable {
  readonly options: Readonly<ClientSettings>;
  private runtime: ClientRuntime | undefined;
  private starting: Promise<this> | undefined;
  // ES private: not shown by console.log or util.inspect, not copied by a spread
  readonly #nats: NatsSettings;
  readonly #connection: NatsConnection | undefined;
  readonly #secretsRef = `dataclay:nats-secrets:${randomUUID()}`;

  constructor(options: ClientOptions = {}) {
    const env = process.env;
    const timeoutMs = options.timeoutMs ?? (env.DC_TIMEOUT_MS ? Number(env.DC_TIMEOUT_MS) : 30_000);
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new InvalidOptionError('timeoutMs', timeoutMs, 'a positive number of milliseconds');
    }
    this.#connection = options.connection;
    // a handed-in connection: its server is what a context names; the settings are the owner's business
    this.#nats = options.connection
      ? { servers: [serverUrl(options.connection.getServer())] }
      : resolveNatsSettings(options, env);
    this.options = {
      natsUrl: this.#nats.servers.join(','),
      servers: this.#nats.servers,
      username: clientIdentity(this.#nats, options.username ?? env.DC_USERNAME),
      password: options.password ?? env.DC_PASSWORD,
      dataset: options.dataset ?? env.DC_DATASET ?? 'admin',
      namespace: options.namespace ?? env.DC_NAMESPACE ?? 'default',
      timeoutMs,
    };
  }

  /** A client configured like `context` (from `exportContext()` in another thread); start it there. */
  static fromContext(context: ClientContext): Client {
    const { secretsRef, ...options } = context;
    const secrets = secretsRef ? (getEnvironmentData(secretsRef) as NatsSecrets | undefined) : undefined;
    return new Client({ ...options, ...secrets });
  }

  /**
   * This client's settings and the current context's session (inside `run`, that session), to hand to a worker.
   * Its secrets go to the worker_threads environment data, not into the context (see ClientContext).
   */
  exportContext(): ClientContext {
    const { namespace, timeoutMs } = this.options;
    const { username, dataset, timeoutMs: contextTimeout } = this.active().session();
    const secrets = secretsOf(this.#nats);
    if (secrets) setEnvironmentData(this.#secretsRef, secrets);
    return {
      ...publicSettings(this.#nats),
      ...(secrets && { secretsRef: this.#secretsRef }),
      namespace,
      username,
      dataset,
      timeoutMs: contextTimeout ?? timeoutMs,
    };
  }

  get isActive(): boolean {
    return this.runtime !== undefined;
  }

  /**
   * Connects and becomes this process's active client (the one persistent objects use). Calling it again, even
   * concurrently, gives the same started client.
   */
  start(): Promise<this> {
    this.starting ??= (async () => {
      const { username, dataset, namespace, timeoutMs } = this.options;
      const nc = this.#connection ?? (await connectNats(this.#nats, `dataclay-client:${username}`, username));
      this.runtime = new ClientRuntime({
        nc,
        namespace,
        timeoutMs,
        session: { username, dataset },
        identity: { side: 'client', user: username },
      });
      installRuntime(this.runtime);
      return this;
    })();
    this.starting.catch(() => (this.starting = undefined));
    return this.starting;
  }

  /** Disconnects. The client started before this one (if still running) becomes the active one again. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const runtime = this.runtime;
    if (!runtime) return;
    this.runtime = undefined;
    this.starting = undefined;
    removeRuntime(runtime);
    runtime.mux.close();
    setEnvironmentData(this.#secretsRef, undefined);
    if (runtime.nc !== this.#connection) await runtime.nc.drain();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Live backends by id, in a stable order. */
  async getBackends(): Promise<Map<string, BackendInfo>> {
    const backends = await this.active().refreshBackends();
    return new Map(backends.map((b) => [b.id, b]));
  }

  /** Operations on one backend: stats, flushAll, stop. */
  backend(backendId: string): BackendHandle {
    return new BackendHandle(backendId, this.active());
  }

  /** Datasets and grants (an admin's): create, delete, list datasets; grant, revoke, list grants. */
  datasets(): DatasetsHandle {
    return new DatasetsHandle(this.active());
  }

  /** Object records known to the cluster, filtered (an operator's view: it scans the metadata). */
  async listObjects(
    filter: { backendId?: string; dataset?: string; className?: string; limit?: number } = {},
  ): Promise<ObjectMetadata[]> {
    return this.active().listObjects(filter);
  }

  /**
   * A class usable without its code: built from the cluster's description of `className`. Type it with the
   * class's interface when you have one: `client.stub<Person>('samples/family/model.Person')`.
   */
  async stub<T = StubObject, A extends unknown[] = unknown[]>(className: string): Promise<StubClass<T, A>> {
    const description = await this.getClassInfo(className);
    if (description.kind !== 'persistent') throw new ClassKindError(className, 'persistent');
    return stubFor<T, A>(description);
  }

  /** Fields and active methods of a persistent class, as the backends know it. */
  async getClassInfo(className: string): Promise<ClassDescription> {
    return this.active().getClassInfo(className);
  }

  /**
   * Runs `fn` in a context of its own: another dataset, a timeout, an AbortSignal. Every operation started under it
   * (and awaited calls nested in it, on any backend) carries it. The username is the client's identity: a context
   * cannot change it (InvalidOptionError).
   */
  run<T>(context: Partial<Session> & CallOptions, fn: () => T): T {
    const { username } = this.options;
    if (context.username !== undefined && context.username !== username) {
      throw new InvalidOptionError('username', context.username, `this client's identity (${username}) or unset`);
    }
    return this.active().run(context, fn);
  }

  private active(): ClientRuntime {
    if (!this.runtime) throw new ClientNotStartedError();
    return this.runtime;
  }
}

/** nats.js names a server host:port; a context names it as a URL. */
function serverUrl(server: string): string {
  return /^[a-z]+:\/\//i.test(server) ? server : `nats://${server}`;
}

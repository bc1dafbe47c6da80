// Client: connects this process to a dataClay cluster over NATS and makes persistent objects usable in it.
import { randomUUID } from 'node:crypto';
import { getEnvironmentData, setEnvironmentData } from 'node:worker_threads';
import type { NatsConnection } from '@nats-io/transport-node';
import { ClassKindError, ClientNotStartedError, InvalidOptionError } from '../errors.js';
import { validateDataset } from '../runtime/lookups.js';
import {
  type NatsSecrets,
  type NatsSettings,
  publicSettings,
  resolveNatsSettings,
  secretsOf,
} from '../messaging/connect-options.js';
import { connectNats } from '../messaging/connection.js';
import type { BackendInfo, ObjectMetadata } from '../metadata/types.js';
import type { GcReport } from '../protocol/metadata-ops.js';
import { rebalance, type RebalanceOptions, type RebalanceReport } from './rebalance.js';
import { BackendHandle } from './backend-handle.js';
import { DatasetsHandle } from './datasets-handle.js';
import { stubFor, type StubClass, type StubObject } from '../stubs/stub-class.js';
import { installRuntime, removeRuntime } from '../object/runtime-slot.js';
import type { CallOptions, Session } from '../object/context.js';
import type { ClassDescription } from '../metadata/class-description.js';
import { Runtime } from '../runtime/runtime.js';
import { RandomPlacement } from './placement.js';
import { clientIdentity, DEFAULT_USERNAME } from '../security/identity.js';

import type { ClientContext, ClientOptions, ClientSettings } from './options.js';

export type { ClientContext, ClientOptions, ClientSettings };

/** What `listObjects` selects: by owner, dataset, class; a page of at most `limit` from `cursor` on. */
export interface ObjectQuery {
  backendId?: string;
  dataset?: string;
  className?: string;
  limit?: number;
  cursor?: string;
}

/** Records of a listing; `cursor` is set when there are more (pass it to the next `listObjects`). */
export type ObjectList = ObjectMetadata[] & { cursor?: string };

/** A started client's parts: its runtime, where it places new objects, its connection. */
interface Started {
  runtime: Runtime;
  placement: RandomPlacement;
  nc: NatsConnection;
}

export class Client implements AsyncDisposable {
  readonly options: Readonly<ClientSettings>;
  private started: Started | undefined;
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
    const dataset = options.dataset ?? env.DC_DATASET ?? 'admin';
    validateDataset(dataset); // here: a bad one would fail every request later, as a ProtocolError
    this.#connection = options.connection;
    // a handed-in connection: its server is what a context names; the settings are the owner's business
    this.#nats = options.connection
      ? { servers: [serverUrl(options.connection.getServer())] }
      : withLogin(resolveNatsSettings(options, env), options, env);
    this.options = {
      natsUrl: this.#nats.servers.join(','),
      servers: this.#nats.servers,
      username: clientIdentity(this.#nats, options.username ?? env.DC_USERNAME),
      dataset,
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
    return this.started !== undefined;
  }

  /**
   * Connects and becomes this process's active client (the one persistent objects use). Calling it again, even
   * concurrently, gives the same started client.
   */
  start(): Promise<this> {
    this.starting ??= (async () => {
      const { username, dataset, namespace, timeoutMs } = this.options;
      const nc = this.#connection ?? (await connectNats(this.#nats, `dataclay-client:${username}`, username));
      let placement!: RandomPlacement;
      const runtime = new Runtime({
        nc,
        namespace,
        timeoutMs,
        session: { username, dataset },
        placement: (lookups) => (placement = new RandomPlacement(lookups)),
        identity: { side: 'client', user: username },
      });
      this.started = { runtime, placement, nc };
      installRuntime(runtime);
      return this;
    })();
    this.starting.catch(() => (this.starting = undefined));
    return this.starting;
  }

  /** Disconnects. The client started before this one (if still running) becomes the active one again. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const started = this.started;
    if (!started) return;
    this.started = undefined;
    this.starting = undefined;
    removeRuntime(started.runtime);
    started.runtime.requests.close();
    setEnvironmentData(this.#secretsRef, undefined);
    // a drain needs the server (it flushes): while NATS is away, the connection is closed instead
    if (started.nc !== this.#connection) await started.nc.drain().catch(() => started.nc.close());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Live backends by id, in a stable order. */
  async getBackends(): Promise<Map<string, BackendInfo>> {
    const backends = await this.live().placement.refresh();
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

  /**
   * Object records known to the cluster, filtered (an operator's view): at most `limit` (default 1,000) from
   * `cursor` on. The array's `cursor`, when set, continues the listing: `listObjects({ ...filter, cursor })`.
   */
  async listObjects(query: ObjectQuery = {}): Promise<ObjectList> {
    const { limit = 1_000, ...rest } = query;
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidOptionError('limit', limit, 'a positive integer');
    const objects: ObjectMetadata[] = [];
    let cursor = query.cursor;
    do {
      const page = await this.active().listObjects({ ...rest, cursor, limit: limit - objects.length });
      objects.push(...page.objects);
      cursor = page.cursor;
    } while (cursor !== undefined && objects.length < limit);
    return cursor === undefined ? objects : Object.assign(objects, { cursor });
  }

  /** Every object record matching `filter`, read a page at a time: `for await (const md of client.objects())`. */
  async *objects(filter: Omit<ObjectQuery, 'limit' | 'cursor'> = {}): AsyncGenerator<ObjectMetadata> {
    let cursor: string | undefined;
    do {
      const page = await this.active().listObjects({ ...filter, cursor });
      yield* page.objects;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  /** One object's record, by id (DoesNotExistError when there is none). */
  async getObjectMetadata(id: string): Promise<ObjectMetadata> {
    return this.active().lookups.getObjectMetadata(id);
  }

  /**
   * Evens the number of objects per live backend with moves (an operator's; docs/lifecycle.md). Calls go on
   * meanwhile: they follow the moves.
   */
  async rebalance(options: RebalanceOptions = {}): Promise<RebalanceReport> {
    return rebalance(this.active(), options);
  }

  /**
   * A garbage collection (an admin's, docs/lifecycle.md): deletes the objects no alias reaches and no call runs on,
   * registered before it started. `dryRun`: finds them and deletes nothing.
   */
  async collectGarbage(options: { dryRun?: boolean } = {}): Promise<GcReport> {
    return this.active().collectGarbage(options.dryRun ?? false);
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
    if (context.dataset !== undefined) validateDataset(context.dataset);
    return this.active().run(context, fn);
  }

  private active(): Runtime {
    return this.live().runtime;
  }

  private live(): Started {
    if (!this.started) throw new ClientNotStartedError();
    return this.started;
  }
}

/** nats.js names a server host:port; a context names it as a URL. */
function serverUrl(server: string): string {
  return /^[a-z]+:\/\//i.test(server) ? server : `nats://${server}`;
}

/**
 * dataClay's `username` and `password` (DC_USERNAME, DC_PASSWORD) are a NATS user and its password, unless the NATS
 * options or DC_NATS_* variables give credentials of their own.
 */
function withLogin(settings: NatsSettings, options: ClientOptions, env: NodeJS.ProcessEnv): NatsSettings {
  const password = options.password ?? env.DC_PASSWORD;
  if (!password || secretsOf(settings) || settings.credsFile) return settings;
  const user = settings.user ?? options.username ?? env.DC_USERNAME ?? DEFAULT_USERNAME;
  return resolveNatsSettings({ ...options, user, pass: password }, env);
}

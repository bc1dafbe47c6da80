// Client: connects this process to a dataClay cluster over NATS and makes persistent objects usable in it.
import { ClassKindError, ClientNotStartedError, InvalidOptionError } from '../errors.js';
import { connectNats, DEFAULT_NATS_URL } from '../messaging/connection.js';
import type { BackendInfo, ObjectMetadata } from '../metadata/types.js';
import { BackendHandle } from './backend-handle.js';
import { stubFor, type StubClass, type StubObject } from '../stubs/stub-class.js';
import { installRuntime, removeRuntime } from '../object/runtime-slot.js';
import type { CallOptions, Session } from '../object/context.js';
import type { ClassDescription } from '../metadata/class-description.js';
import type { NatsConnection } from '@nats-io/transport-node';
import { Runtime } from '../runtime/runtime.js';
import { RandomPlacement } from './placement.js';

export interface ClientOptions {
  /** NATS server URL(s), comma-separated. Env DC_NATS_URL, default nats://127.0.0.1:4222. */
  natsUrl?: string;
  /** Env DC_USERNAME, default "admin". */
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
 */
export interface ClientContext {
  natsUrl: string;
  namespace: string;
  username: string;
  dataset: string;
  timeoutMs: number;
}

/** A started client's parts: its runtime, where it places new objects, its connection. */
interface Started {
  runtime: Runtime;
  placement: RandomPlacement;
  nc: NatsConnection;
}

export class Client implements AsyncDisposable {
  readonly options: Readonly<Required<Omit<ClientOptions, 'password'>>> & { password?: string };
  private started: Started | undefined;
  private starting: Promise<this> | undefined;

  constructor(options: ClientOptions = {}) {
    const env = process.env;
    const timeoutMs = options.timeoutMs ?? (env.DC_TIMEOUT_MS ? Number(env.DC_TIMEOUT_MS) : 30_000);
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new InvalidOptionError('timeoutMs', timeoutMs, 'a positive number of milliseconds');
    }
    this.options = {
      natsUrl: options.natsUrl ?? env.DC_NATS_URL ?? DEFAULT_NATS_URL,
      username: options.username ?? env.DC_USERNAME ?? 'admin',
      password: options.password ?? env.DC_PASSWORD,
      dataset: options.dataset ?? env.DC_DATASET ?? 'admin',
      namespace: options.namespace ?? env.DC_NAMESPACE ?? 'default',
      timeoutMs,
    };
  }

  /** A client configured like `context` (from `exportContext()` in another thread); start it there. */
  static fromContext(context: ClientContext): Client {
    return new Client(context);
  }

  /** This client's settings and the current context's session (inside `run`, that session), to hand to a worker. */
  exportContext(): ClientContext {
    const { natsUrl, namespace, timeoutMs } = this.options;
    const { username, dataset, timeoutMs: contextTimeout } = this.active().session();
    return { natsUrl, namespace, username, dataset, timeoutMs: contextTimeout ?? timeoutMs };
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
      const { natsUrl, username, dataset, namespace, timeoutMs } = this.options;
      const nc = await connectNats(natsUrl, `dataclay-client:${username}`);
      let placement!: RandomPlacement;
      const runtime = new Runtime({
        nc,
        namespace,
        timeoutMs,
        session: { username, dataset },
        placement: (lookups) => (placement = new RandomPlacement(lookups)),
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
    await started.nc.drain();
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
   * Runs `fn` in a context of its own: another dataset or username, a timeout, an AbortSignal. Every operation
   * started under it (and awaited calls nested in it, on any backend) carries it.
   */
  run<T>(context: Partial<Session> & CallOptions, fn: () => T): T {
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

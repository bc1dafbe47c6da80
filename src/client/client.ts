// Client: connects this process to a dataClay cluster over NATS and makes persistent objects usable in it.
import type { NatsConnection } from '@nats-io/transport-node';
import { DataClayError } from '../errors.js';
import { connectNats, DEFAULT_NATS_URL } from '../messaging/connection.js';
import type { BackendInfo, ObjectMetadata } from '../metadata/types.js';
import { BackendHandle } from './backend-handle.js';
import { installRuntime } from '../object/runtime-slot.js';
import type { Session } from '../runtime/session.js';
import type { ClassDescription } from '../runtime/class-info.js';
import { ClientRuntime } from './client-runtime.js';

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

export class Client implements AsyncDisposable {
  readonly options: Readonly<Required<Omit<ClientOptions, 'password'>>> & { password?: string };
  private runtime: ClientRuntime | undefined;
  private nc: NatsConnection | undefined;
  private previous: ReturnType<typeof installRuntime>;

  constructor(options: ClientOptions = {}) {
    const env = process.env;
    this.options = {
      natsUrl: options.natsUrl ?? env.DC_NATS_URL ?? DEFAULT_NATS_URL,
      username: options.username ?? env.DC_USERNAME ?? 'admin',
      password: options.password ?? env.DC_PASSWORD,
      dataset: options.dataset ?? env.DC_DATASET ?? 'admin',
      namespace: options.namespace ?? env.DC_NAMESPACE ?? 'default',
      timeoutMs: options.timeoutMs ?? (env.DC_TIMEOUT_MS ? Number(env.DC_TIMEOUT_MS) : 30_000),
    };
  }

  get isActive(): boolean {
    return this.runtime !== undefined;
  }

  /** Connects and becomes this process's active client. Calling it again on a started client does nothing. */
  async start(): Promise<this> {
    if (this.runtime) return this;
    const { natsUrl, username, dataset, namespace, timeoutMs } = this.options;
    this.nc = await connectNats(natsUrl, `dataclay-client:${username}`);
    this.runtime = new ClientRuntime({ nc: this.nc, namespace, timeoutMs, session: { username, dataset } });
    this.previous = installRuntime(this.runtime);
    return this;
  }

  /** Disconnects, and gives back the client that was active before this one started. */
  async stop(): Promise<void> {
    if (!this.runtime) return;
    installRuntime(this.previous);
    this.runtime.mux.close();
    this.runtime = undefined;
    await this.nc?.drain();
    this.nc = undefined;
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

  /** Object records known to the cluster, filtered (an operator's view: it scans the metadata). */
  async listObjects(filter: { backendId?: string; dataset?: string; className?: string; limit?: number } = {}): Promise<ObjectMetadata[]> {
    return this.active().listObjects(filter);
  }

  /** Fields and active methods of a persistent class, as the backends know it. */
  async getClassInfo(className: string): Promise<ClassDescription> {
    return this.active().getClassInfo(className);
  }

  /** Runs `fn` in a session of its own (another dataset or username); every call made under it carries it. */
  run<T>(session: Partial<Session>, fn: () => T): T {
    return this.active().run(session, fn);
  }

  private active(): ClientRuntime {
    if (!this.runtime) throw new DataClayError('Client is not started: await client.start() first');
    return this.runtime;
  }
}

// A backend process: loads the model classes, owns objects, answers its subjects and the metadata queue group, in
// every space (users, admins, other backends), each request in the context of the user its subject names.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { createLogger } from '../log.js';
import { type NatsConnectOptions, resolveNatsSettings } from '../messaging/connect-options.js';
import { natsIdentity } from '../messaging/nats-identity.js';
import { connectNats, jetStreamRequired } from '../messaging/connection.js';
import { serve, type Server } from '../messaging/rpc.js';
import { assertToken, METADATA_QUEUE } from '../messaging/subjects.js';
import { HEARTBEAT_MS, MetadataStore } from '../metadata/store.js';
import type { BackendInfo } from '../metadata/types.js';
import { registeredClassNames } from '../object/registry.js';
import { registeredValueClassNames } from '../serialization/value-classes.js';
import { installRuntime, removeRuntime } from '../object/runtime-slot.js';
import { BackendRuntime } from './backend-runtime.js';
import type { MemoryBudget } from './heap.js';
import { ObjectStore } from './object-store.js';
import { reconcile } from './reconcile.js';
import { BackendUnavailableError, DuplicateBackendError, StorageOwnerError, TimeoutError } from '../errors.js';
import { backendOps, type BackendOps } from '../protocol/backend-ops.js';
import { serveOperations } from '../protocol/handlers.js';
import { metadataOps, type MetadataOps } from '../protocol/metadata-ops.js';
import { adminHandlers } from './admin-service.js';
import { backendAnswering, metadataAnswering } from './answering.js';
import { metadataHandlers } from './metadata-service.js';
import { objectHandlers } from './object-service.js';
import { transferHandlers } from './transfer-ops.js';
import { BackendMetrics } from './metrics.js';
import { versionHandlers } from './version-ops.js';

/** NATS settings (`servers`, `user`/`pass`, `token`, `nkeySeed`, `credsFile`, `tls`; docs/connecting.md), and: */
/** How long a starting backend waits for a backend with its id to answer. */
const DUPLICATE_PING_MS = 3_000;

export interface BackendOptions extends NatsConnectOptions {
  /** Model modules (compiled JS) whose @persistent classes this backend serves. */
  models: string[];
  /** Directory of the backend's store (LMDB): its objects and its id live there across restarts. */
  storage: string;
  /** Default: the id kept in the storage, else a new UUID. */
  id?: string;
  namespace?: string;
  timeoutMs?: number;
  budget?: MemoryBudget;
  /** Serve Prometheus metrics on this port (0: any free port); none when absent. */
  metricsPort?: number;
  logger?: Logger;
}

export class Backend {
  private heartbeat: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private readonly servers: Server[] = [];
  private metrics: BackendMetrics | undefined;
  private stoppedResolve!: () => void;
  /** Resolves once the backend has stopped (by `stop()`, a signal, or a `stop` request). */
  readonly stopped = new Promise<void>((resolve) => (this.stoppedResolve = resolve));

  private constructor(
    private readonly runtime: BackendRuntime,
    private readonly nc: NatsConnection,
    private readonly info: BackendInfo,
    readonly log: Logger,
  ) {}

  /** @internal The backend's parts, for the project's own tests (through src/internal.ts). */
  static runtimeOf(backend: Backend): BackendRuntime {
    return backend.runtime;
  }

  get id(): string {
    return this.runtime.backendId;
  }

  static async start(options: BackendOptions): Promise<Backend> {
    const objects = ObjectStore.open(options.storage);
    let nc: NatsConnection | undefined;
    try {
      const id = await Backend.resolveId(objects, options);
      const namespace = options.namespace ?? 'default';
      const log = options.logger ?? createLogger(`backend:${id}`);
      for (const model of options.models) await import(pathToFileURL(path.resolve(model)).href);
      const settings = resolveNatsSettings(options);
      // its NATS identity names the work it does on its own behalf (the duplicate-id ping) and its inbox
      const user = natsIdentity(settings) ?? 'backend';
      nc = await connectNats(settings, `dataclay-backend:${id}`, user);
      const store = await MetadataStore.open(nc, namespace).catch(jetStreamRequired);
      const runtime = new BackendRuntime({
        nc,
        store,
        objects,
        namespace,
        backendId: id,
        timeoutMs: options.timeoutMs ?? 30_000,
        budget: options.budget,
        session: { username: user, dataset: 'admin' },
        identity: { side: 'backend', user },
        onBackgroundError: (err) => log.error({ err }, 'background write failed'),
      });
      const now = Date.now();
      const classes = [...registeredClassNames(), ...registeredValueClassNames()].sort();
      const info: BackendInfo = { id, host: hostname(), pid: process.pid, startedAt: now, heartbeatAt: now, classes };
      await Backend.refuseDuplicate(runtime, id);
      const reconciled = await reconcile({ backendId: id, objects, store, log });
      const backend = new Backend(runtime, nc, info, log);
      if (options.metricsPort !== undefined) {
        backend.metrics = new BackendMetrics(runtime);
        info.metricsUrl = await backend.metrics.listen(options.metricsPort);
      }
      installRuntime(runtime.runtime);
      backend.serve();
      await nc.flush();
      await store.putBackend(info);
      backend.heartbeat = setInterval(() => backend.beat(), HEARTBEAT_MS).unref();
      log.info(
        { id, namespace, classes: info.classes.length, stored: objects.count, storage: options.storage, reconciled },
        'backend ready',
      );
      return backend;
    } catch (err) {
      await nc?.close().catch(() => undefined);
      await objects.close().catch(() => undefined);
      throw err;
    }
  }

  /** The id kept in the storage wins; an explicit one must agree with it. */
  private static async resolveId(objects: ObjectStore, options: BackendOptions): Promise<string> {
    const stored = objects.backendId;
    if (options.id !== undefined && stored !== undefined && options.id !== stored) {
      throw new StorageOwnerError(options.storage, stored, options.id);
    }
    const id = assertToken('backendId', options.id ?? stored ?? randomUUID());
    if (stored === undefined) await objects.setBackendId(id);
    return id;
  }

  /**
   * Two live backends with one id would split its requests between them: the second one refuses to start. A ping
   * that nobody answers in time (a passive subscriber on `>` takes the message, so there is no "no responders")
   * counts as a live duplicate only if that id's heartbeat is still fresh.
   */
  private static async refuseDuplicate(runtime: BackendRuntime, id: string): Promise<void> {
    const ping = () => runtime.requests.request(id, 'ping', [runtime.requests.wire()]);
    const answer = await runtime.runtime.run({ timeoutMs: DUPLICATE_PING_MS }, ping).then(
      () => true,
      async (err) => {
        if (err instanceof BackendUnavailableError) return false;
        if (err instanceof TimeoutError) return (await runtime.store.listBackends()).some((b) => b.id === id);
        throw err;
      },
    );
    if (answer) throw new DuplicateBackendError(id);
  }

  private serve(): void {
    const { runtime, nc, log } = this;
    const onError = (err: unknown, subject: string) => log.debug({ err, subject }, 'request failed');
    // an attack (a reply aimed at KV, another user's inbox, a backend subject) or a client without its inbox prefix
    const onDropped = (subject: string, reply: string | undefined) =>
      log.warn({ subject, reply }, 'request dropped: its reply subject is not the inbox of its caller');
    const onServed =
      this.metrics && ((subject: string, seconds: number, ok: boolean) => this.metrics!.observe(subject, seconds, ok));
    const own = runtime.requests.subjects.backendAll(this.id);
    const metadata = runtime.requests.subjects.metadataAll();
    const control = { stop: () => void this.stop() };
    const handlers = {
      ...objectHandlers(runtime),
      ...transferHandlers(runtime),
      ...versionHandlers(runtime),
      ...adminHandlers(runtime, control),
    };
    const md = metadataHandlers(runtime.store);
    this.servers.push(
      serve(nc, own, serveOperations<BackendOps>(backendOps, handlers, backendAnswering(runtime)), {
        onError,
        onDropped,
        onServed,
      }),
      serve(nc, metadata, serveOperations<MetadataOps>(metadataOps, md, metadataAnswering(runtime)), {
        queue: METADATA_QUEUE,
        onError,
        onDropped,
        onServed,
      }),
    );
  }

  private beat(): void {
    this.info.heartbeatAt = Date.now();
    this.runtime.store.putBackend(this.info).catch((err) => this.log.warn({ err }, 'heartbeat failed'));
  }

  /** Deregisters, finishes the requests in flight, saves every loaded object, and disconnects. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.heartbeat);
      await this.runtime.store.deleteBackend(this.id).catch((err) => this.log.warn({ err }, 'deregistration failed'));
      await Promise.all(this.servers.map((s) => s.close())); // requests in flight are answered first
      await this.runtime.writes.saveAll().catch((err) => this.log.error({ err }, 'final save failed'));
      this.runtime.requests.close();
      await this.nc.drain();
      await this.runtime.objects.close();
      await this.metrics?.close();
      removeRuntime(this.runtime.runtime);
      this.log.info('backend stopped');
      this.stoppedResolve();
    })();
    return this.stopping;
  }
}

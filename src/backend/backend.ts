// A backend process: loads the model classes, owns objects, answers its subjects and the metadata queue group.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { createLogger } from '../log.js';
import { connectNats } from '../messaging/connection.js';
import { serve } from '../messaging/rpc.js';
import { assertToken, METADATA_QUEUE } from '../messaging/subjects.js';
import { HEARTBEAT_MS, MetadataStore } from '../metadata/store.js';
import type { BackendInfo } from '../metadata/types.js';
import { registeredClassNames } from '../object/registry.js';
import { installRuntime } from '../object/runtime-slot.js';
import { BackendRuntime } from './backend-runtime.js';
import { metadataOps } from './metadata-service.js';
import { dispatch, objectOps } from './object-service.js';

export interface BackendOptions {
  natsUrl: string;
  /** Model modules (compiled JS) whose @persistent classes this backend serves. */
  models: string[];
  id?: string;
  namespace?: string;
  timeoutMs?: number;
  logger?: Logger;
}

export class Backend {
  private heartbeat: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly runtime: BackendRuntime,
    private readonly nc: NatsConnection,
    private readonly subscriptions: Subscription[],
    private readonly info: BackendInfo,
    readonly log: Logger,
  ) {}

  get id(): string {
    return this.runtime.backendId;
  }

  static async start(options: BackendOptions): Promise<Backend> {
    const id = assertToken('backendId', options.id ?? randomUUID());
    const namespace = options.namespace ?? 'default';
    const log = options.logger ?? createLogger(`backend:${id}`);
    for (const model of options.models) await import(pathToFileURL(path.resolve(model)).href);
    const nc = await connectNats(options.natsUrl, `dataclay-backend:${id}`);
    const store = await MetadataStore.open(nc, namespace);
    const runtime = new BackendRuntime({
      nc, store, namespace, backendId: id, timeoutMs: options.timeoutMs ?? 30_000,
      session: { username: 'backend', dataset: 'admin' },
    });
    installRuntime(runtime);
    const onError = (err: unknown, subject: string) => log.debug({ err, subject }, 'request failed');
    const own = runtime.subjects.backendAll(id);
    const mdPrefix = runtime.subjects.metadataAll().slice(0, -2);
    const subscriptions = [
      serve(nc, own, dispatch(own.slice(0, -2), objectOps(runtime)), { onError }),
      serve(nc, runtime.subjects.metadataAll(), dispatch(mdPrefix, metadataOps(store)), { queue: METADATA_QUEUE, onError }),
    ];
    await nc.flush();
    const now = Date.now();
    const info: BackendInfo = { id, host: hostname(), pid: process.pid, startedAt: now, heartbeatAt: now, classes: registeredClassNames() };
    await store.putBackend(info);
    const backend = new Backend(runtime, nc, subscriptions, info, log);
    backend.heartbeat = setInterval(() => backend.beat(), HEARTBEAT_MS).unref();
    log.info({ id, namespace, classes: info.classes.length }, 'backend ready');
    return backend;
  }

  private beat(): void {
    this.info.heartbeatAt = Date.now();
    this.runtime.store.putBackend(this.info).catch((err) => this.log.warn({ err }, 'heartbeat failed'));
  }

  /** Deregisters, finishes the requests in flight, and disconnects. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.heartbeat);
      await this.runtime.store.deleteBackend(this.id).catch((err) => this.log.warn({ err }, 'deregistration failed'));
      await Promise.all(this.subscriptions.map((s) => s.drain()));
      this.runtime.mux.close();
      await this.nc.drain();
      installRuntime(undefined);
      this.log.info('backend stopped');
    })();
    return this.stopping;
  }
}

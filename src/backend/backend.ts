import { hostname } from 'node:os';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { createLogger } from '../log.js';
import { type NatsConnectOptions, resolveNatsSettings } from '../messaging/connect-options.js';
import { natsIdentity } from '../messaging/nats-identity.js';
import { connectNats, jetStreamRequired } from '../messaging/connection.js';
import { serve, type Server } from '../messaging/rpc.js';
import { METADATA_QUEUE } from '../messaging/subjects.js';
import { MetadataStore } from '../metadata/store.js';
import type { BackendInfo } from '../metadata/types.js';
import { registeredClassNames } from '../object/registry.js';
import { registeredValueClassNames } from '../serialization/value-classes.js';
import { installRuntime, removeRuntime } from '../object/runtime-slot.js';
import { BackendRuntime } from './backend-runtime.js';
import { awaitPredecessor } from './failover.js';
import { dropStaleRecords } from './stale-records.js';
import type { MemoryBudget } from './heap.js';
import { ObjectStore } from './object-store.js';
import { settleLeaving } from './leaving.js';
import { reconcile } from './reconcile.js';
import { recoverCreates } from './recover-creates.js';
import { Heartbeat } from './heartbeat.js';
import { refuseDuplicate, resolveId } from './startup-checks.js';
import { backendOps, type BackendOps } from '../protocol/backend-ops.js';
import { serveOperations } from '../protocol/handlers.js';
import { metadataOps, type MetadataOps } from '../protocol/metadata-ops.js';
import { adminHandlers } from './admin-service.js';
import { LifecycleLog, noting, observerHandlers } from './lifecycle-log.js';
import { backendAnswering, metadataAnswering } from './answering.js';
import { metadataHandlers } from './metadata-service.js';
import { gcHandlers, periodicCollection } from './gc-service.js';
import { grantHandlers } from './grant-service.js';
import { drainHandlers } from './drain.js';
import { evolutionLog } from './evolution-log.js';
import { lifecycleHandlers } from './lifecycle-ops.js';
import { Grants } from '../metadata/grants.js';
import { backendDemands, metadataDemands } from '../security/access.js';
import { DatasetAuthorizer, type DatasetPolicy, type ObjectFacts } from '../security/authorizer.js';
import { objectHandlers } from './object-service.js';
import { transferHandlers } from './transfer-ops.js';
import { BackendMetrics } from './metrics.js';
import { versionHandlers } from './version-ops.js';

/** NATS settings (`servers`, `user`/`pass`, `token`, `nkeySeed`, `credsFile`, `tls`; docs/connecting.md), and: */
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
  /** The address the metrics listen on (default 127.0.0.1; `0.0.0.0` for every interface). */
  metricsHost?: string;
  /**
   * Datasets as access boundaries (docs/security.md): `strict` (the default with a NATS identity: only datasets an
   * admin created, per their grants), `open` (datasets nobody created are open to all), `off` (the default without).
   */
  datasets?: DatasetPolicy;
  /** Replicas of the metadata buckets (docs/scaling.md). Default: 3 on a NATS cluster of at least 3 servers, else 1. */
  metadataReplicas?: number;
  logger?: Logger;
  /**
   * Run a garbage collection of the whole cluster this often (docs/lifecycle.md); none when absent. One backend of
   * the cluster is enough: collections on several at once are safe but do the same work.
   */
  gcIntervalMs?: number;
  /**
   * Backups of every object this backend masters, on other live backends: durable copies, written before a change
   * is acknowledged, one of which takes over if this backend dies (docs/failover.md). Default 0.
   */
  backups?: number;
}

export class Backend {
  private heartbeat: Heartbeat | undefined;
  private collector: NodeJS.Timeout | undefined;
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
    private readonly grants: Grants | undefined,
    private readonly datasets: DatasetAuthorizer | undefined,
  ) {}

  /** @internal The backend's parts, for the project's own tests (through src/internal.ts). */
  static runtimeOf(backend: Backend): BackendRuntime {
    return backend.runtime;
  }

  get id(): string {
    return this.runtime.backendId;
  }

  static async start(options: BackendOptions): Promise<Backend> {
    // a directory this start made is removed if it fails before serving (nothing in it was ever acknowledged)
    const madeDir = makeDir(options.storage);
    let served = false;
    const objects = ObjectStore.open(options.storage);
    let nc: NatsConnection | undefined;
    let grants: Grants | undefined;
    try {
      const emptyStore = objects.backendId === undefined; // a new disk (or a replaced one)
      const id = await resolveId(objects, options);
      const namespace = options.namespace ?? 'default';
      const log = options.logger ?? createLogger(`backend:${id}`);
      for (const model of options.models) await import(pathToFileURL(path.resolve(model)).href);
      const settings = resolveNatsSettings(options);
      // its NATS identity names the work it does on its own behalf (the duplicate-id ping) and its inbox
      const user = natsIdentity(settings) ?? 'backend';
      nc = await connectNats(settings, `dataclay-backend:${id}`, user);
      const buckets = { replicas: options.metadataReplicas, warn: (msg: string, data: object) => log.warn(data, msg) };
      const store = await MetadataStore.open(nc, namespace, buckets).catch(jetStreamRequired);
      const policy = options.datasets ?? (natsIdentity(settings) === undefined ? 'off' : 'strict');
      if (policy !== 'off') grants = await Grants.open(nc, namespace, buckets).catch(jetStreamRequired);
      const authorizer = datasetAuthorizer(grants, policy, store, (id) => runtime.registering(id));
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
        onEvolved: evolutionLog(log),
        mayCreate: authorizer && ((s) => authorizer.assertCreate(s.username, s.dataset)),
        created: authorizer && ((id, facts) => authorizer.learn(id, facts)),
        mayWrite: authorizer && ((user, dataset) => authorizer.mayWrite(user, dataset)),
        backups: options.backups,
        log,
      });
      const backups = runtime.replicas.restore(); // before serving: a restarted holder still holds its copies
      const now = Date.now();
      const classes = [...registeredClassNames(), ...registeredValueClassNames()].sort();
      const info: BackendInfo = {
        id,
        host: hostname(),
        pid: process.pid,
        startedAt: now,
        heartbeatAt: now,
        classes,
        notedMoves: true,
      };
      await refuseDuplicate(runtime, id);
      if (emptyStore) await awaitPredecessor(store, id, log);
      const reconciled = await reconcile({ backendId: id, objects, store, log });
      const recovered = await recoverCreates({
        backendId: id,
        objects,
        store,
        holdsCopy: (copy) => objects.hasBackup(copy),
        log,
      });
      await settleLeaving({ backendId: id, objects, store, reclaim: (ids) => runtime.moves.reclaim(ids), log });
      const stale = await dropStaleRecords({ backendId: id, objects, store, log });
      const backend = new Backend(runtime, nc, info, log, grants, authorizer);
      if (options.metricsPort !== undefined) {
        backend.metrics = new BackendMetrics(runtime);
        info.metricsUrl = await backend.metrics.listen(options.metricsPort, options.metricsHost);
      }
      installRuntime(runtime.runtime);
      served = true;
      backend.serve();
      await nc.flush();
      const sent = performance.now();
      await store.putBackend(info);
      runtime.lease.renewed(sent);
      backend.heartbeat = new Heartbeat(() => backend.beat(), log);
      runtime.failover.start();
      if (options.gcIntervalMs) backend.collector = periodicCollection(runtime, log, options.gcIntervalMs);
      log.info(
        {
          id,
          namespace,
          classes: info.classes.length,
          stored: objects.count,
          storage: options.storage,
          datasets: policy,
          reconciled,
          stale,
          recovered,
          backups: options.backups ?? 0,
          copies: backups,
          metrics: info.metricsUrl, // the port chosen when asked for any (--metrics-port 0)
        },
        'backend ready',
      );
      return backend;
    } catch (err) {
      grants?.close();
      await nc?.close().catch(() => undefined);
      await objects.close().catch(() => undefined);
      if (madeDir && !served) rmSync(options.storage, { recursive: true, force: true });
      throw err;
    }
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
    const metadataHere = runtime.requests.subjects.metadataAtAll(this.id);
    const control = { stop: () => void this.stop() };
    const events = new LifecycleLog(this.id);
    const objects = noting(
      { ...objectHandlers(runtime), ...transferHandlers(runtime), ...versionHandlers(runtime) },
      events,
    );
    const handlers = {
      ...objects,
      ...lifecycleHandlers(runtime),
      ...drainHandlers(runtime, {
        markDraining: () => this.markDraining(),
        move: objects.move,
        replicate: objects.replicate,
      }),
      ...adminHandlers(runtime, control),
      ...observerHandlers(runtime, events),
    };
    const here = { backendId: this.id, holds: (id: string) => runtime.ownership.mastersHere(id) };
    const md = { ...metadataHandlers(runtime.store, here), ...grantHandlers(this.grants), ...gcHandlers(runtime) };
    const authorizer = this.datasets;
    const authorize = {
      backend: authorizer?.for<BackendOps>(backendDemands),
      metadata: authorizer?.for<MetadataOps>(metadataDemands),
    };
    const serveMetadata = serveOperations<MetadataOps>(metadataOps, md, metadataAnswering(runtime), authorize.metadata);
    this.servers.push(
      serve(nc, own, serveOperations<BackendOps>(backendOps, handlers, backendAnswering(runtime), authorize.backend), {
        onError,
        onDropped,
        onServed,
      }),
      serve(nc, metadata, serveMetadata, { queue: METADATA_QUEUE, onError, onDropped, onServed }),
      // the same, addressed to this backend: a client sends its metadata requests to the backend it last called
      serve(nc, metadataHere, serveMetadata, { onError, onDropped, onServed }),
    );
  }

  private async markDraining(): Promise<void> {
    this.runtime.status.draining = true;
    this.info.draining = true;
    await this.runtime.store.putBackend(this.info); // placements elsewhere see it at once, not a heartbeat later
    this.log.info('draining: new objects are refused');
  }

  private async beat(): Promise<void> {
    this.info.heartbeatAt = Date.now();
    const sent = performance.now(); // the lease runs from the send: the server's stamp can only be later (lease.ts)
    await this.runtime.store.putBackend(this.info);
    this.runtime.lease.renewed(sent);
  }

  /** Deregisters, finishes the requests in flight, saves every loaded object, and disconnects. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.heartbeat?.stop();
      clearInterval(this.collector);
      await this.runtime.failover.stop();
      await this.runtime.store.deleteBackend(this.id).catch((err) => this.log.warn({ err }, 'deregistration failed'));
      await Promise.all(this.servers.map((s) => s.close())); // requests in flight are answered first
      await this.runtime.writes.saveAll().catch((err) => this.log.error({ err }, 'final save failed'));
      this.runtime.requests.close();
      this.runtime.store.close();
      await this.nc.drain();
      this.grants?.close();
      // nothing in flight: the next start has no create of this run to look for
      if (this.runtime.marks.idle) await this.runtime.objects.putCreateMark('clean').catch(() => undefined);
      await this.runtime.objects.close();
      await this.metrics?.close();
      removeRuntime(this.runtime.runtime);
      this.log.info('backend stopped');
      this.stoppedResolve();
    })();
    return this.stopping;
  }
}

/** The dataset checks of every request, by the object records of the metadata (an object's dataset never changes). */
function datasetAuthorizer(
  grants: Grants | undefined,
  policy: DatasetPolicy,
  store: MetadataStore,
  registering: (id: string) => ObjectFacts | undefined,
): DatasetAuthorizer | undefined {
  if (!grants || policy === 'off') return undefined;
  const lookup = async (id: string) => {
    const md = await store.getObject(id);
    return md && { dataset: md.dataset, className: md.className };
  };
  return new DatasetAuthorizer(grants, policy, lookup, registering);
}

/** Makes `dir` (and its parents); false when it was there (or anything is at its path: a link the operator made). */
function makeDir(dir: string): boolean {
  mkdirSync(path.dirname(path.resolve(dir)), { recursive: true });
  try {
    mkdirSync(dir); // one call that fails when it exists: two starts on one new path cannot both make it
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

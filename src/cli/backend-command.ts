// `dataclay backend`: one backend process until SIGINT/SIGTERM, then a clean stop.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Backend } from '../backend/backend.js';
import { surviveFaults } from '../backend/model-faults.js';
import type { DatasetPolicy } from '../security/authorizer.js';
import { limitHeapGrowth } from './heap-growth.js';
import { type NatsFlags, natsOptionsFrom } from './nats-flags.js';

export interface BackendCommandOptions extends NatsFlags {
  models: string[];
  storage: string;
  id?: string;
  namespace: string;
  maxObjects?: number;
  maxBytes?: number;
  metricsPort?: number;
  metricsHost?: string;
  datasets?: DatasetPolicy;
  /** Seconds between garbage collections (none when absent). */
  gcInterval?: number;
  otelModule?: string;
  metadataReplicas?: number;
  backups?: number;
}

/**
 * The application's OpenTelemetry setup (docs/observability.md): a module that registers an SDK when imported, before
 * anything else runs; its exported `shutdown()`, if any, flushes the spans when the backend stops. A backend never
 * registers an SDK of its own.
 */
async function loadTelemetry(file: string | undefined): Promise<() => Promise<void>> {
  const loaded: { shutdown?: unknown } = file ? await import(pathToFileURL(path.resolve(file)).href) : {};
  const { shutdown } = loaded;
  let done: Promise<void> | undefined; // once, whichever way the backend stops
  return () => {
    done ??= typeof shutdown === 'function' ? Promise.resolve(shutdown()).then(() => undefined) : Promise.resolve();
    return done;
  };
}

export async function runBackend(options: BackendCommandOptions): Promise<void> {
  const telemetryDown = await loadTelemetry(options.otelModule);
  const heapFlag = limitHeapGrowth(options.maxObjects !== undefined || options.maxBytes !== undefined);
  const backend = await Backend.start({
    ...natsOptionsFrom(options),
    models: options.models,
    storage: options.storage,
    id: options.id,
    namespace: options.namespace,
    budget: { maxObjects: options.maxObjects, maxBytes: options.maxBytes },
    metricsPort: options.metricsPort,
    metricsHost: options.metricsHost,
    datasets: options.datasets,
    gcIntervalMs: options.gcInterval === undefined ? undefined : options.gcInterval * 1000,
    metadataReplicas: options.metadataReplicas,
    backups: options.backups,
  });
  const shutdown = () => {
    backend.stop().then(
      () => telemetryDown().finally(() => process.exit(0)),
      (err) => {
        backend.log.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  if (heapFlag) backend.log.info({ v8: heapFlag }, 'memory budget: V8 heap growth limited');
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  // started by a harness over IPC: its end is ours (no orphan backends when a test runner dies)
  process.once('disconnect', shutdown);
  // model code that throws outside a call (a timer, a promise nobody awaits) is logged, not fatal: whatever it can
  // do there it can do inside a call, where its exception costs that call only (docs/durability.md)
  surviveFaults(backend.log);
  // also when asked to stop over NATS (`dataclay ctl stop`)
  void backend.stopped.then(() => telemetryDown().finally(() => process.exit(0)));
  process.send?.({ type: 'ready', id: backend.id });
}

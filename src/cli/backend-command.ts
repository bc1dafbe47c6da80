// `dataclay backend`: one backend process until SIGINT/SIGTERM, then a clean stop.
import { Backend } from '../backend/backend.js';
import { surviveFaults } from '../backend/model-faults.js';
import type { DatasetPolicy } from '../security/authorizer.js';
import { type NatsFlags, natsOptionsFrom } from './nats-flags.js';

export interface BackendCommandOptions extends NatsFlags {
  models: string[];
  storage: string;
  id?: string;
  namespace: string;
  maxObjects?: number;
  maxBytes?: number;
  metricsPort?: number;
  datasets?: DatasetPolicy;
  metadataReplicas?: number;
}

export async function runBackend(options: BackendCommandOptions): Promise<void> {
  const backend = await Backend.start({
    ...natsOptionsFrom(options),
    models: options.models,
    storage: options.storage,
    id: options.id,
    namespace: options.namespace,
    budget: { maxObjects: options.maxObjects, maxBytes: options.maxBytes },
    metricsPort: options.metricsPort,
    datasets: options.datasets,
    metadataReplicas: options.metadataReplicas,
  });
  const shutdown = () => {
    backend.stop().then(
      () => process.exit(0),
      (err) => {
        backend.log.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  // started by a harness over IPC: its end is ours (no orphan backends when a test runner dies)
  process.once('disconnect', shutdown);
  // model code that throws outside a call (a timer, a promise nobody awaits) is logged, not fatal: whatever it can
  // do there it can do inside a call, where its exception costs that call only (docs/durability.md)
  surviveFaults(backend.log);
  void backend.stopped.then(() => process.exit(0)); // also when asked to stop over NATS (`dataclay ctl stop`)
  process.send?.({ type: 'ready', id: backend.id });
}

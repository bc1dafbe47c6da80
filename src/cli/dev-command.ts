// `dataclay dev`: a dev cluster in the foreground.
import { DevCluster } from '../dev/cluster.js';

export interface DevCommandOptions {
  models: string[];
  backends: number;
  namespace: string;
}

export async function runDev(options: DevCommandOptions): Promise<void> {
  const cluster = await DevCluster.start({
    models: options.models,
    backends: options.backends,
    namespace: options.namespace,
  });
  console.log(`dev cluster up: ${cluster.backends.length} backends, namespace ${cluster.namespace}`);
  console.log(`  export DC_NATS_URL=${cluster.natsUrl}`);
  console.log(`  logs: ${cluster.dir}`);
  console.log(`  pids: nats-server ${cluster.nats.pid}, ${cluster.backends.map((b) => `${b.id} ${b.pid}`).join(', ')}`);
  console.log('Ctrl-C stops it.');
  await new Promise(() => undefined); // until the cluster's signal hook exits the process
}

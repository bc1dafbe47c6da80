// One dev cluster (real nats-server, or a cluster of them, + 3 backend processes) for the whole run, secured as by default; tests get its
// URL and how to connect as the default user or as the admin via inject().
import type { TestProject } from 'vitest/node';
import { DevCluster, type NatsConnectOptions } from '../../src/index.js';
import { TEST_MODELS } from './models.js';

declare module 'vitest' {
  export interface ProvidedContext {
    natsUrl: string;
    /** The client user `user`. */
    natsUser: NatsConnectOptions;
    /** The admin, `admin`: operator operations (stats, flush, stop, listing every object). */
    natsAdmin: NatsConnectOptions;
    /** The spare backend identity `backend`. */
    natsBackend: NatsConnectOptions;
    /** The cluster's directory: `backend-N.log`, and `credentials/<user>.password` of every identity. */
    clusterDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // datasets nobody created are open (the tests use many); those the tests create are boundaries
  const clients = ['user', 'alice', 'bob'];
  // DC_TEST_NATS_CLUSTER=3: the same suite on a JetStream cluster of 3 nats-servers (docs/scaling.md)
  const natsCluster = Number(process.env.DC_TEST_NATS_CLUSTER ?? 1);
  const cluster = await DevCluster.start({ models: TEST_MODELS, backends: 3, clients, datasets: 'open', natsCluster });
  project.provide('natsUrl', cluster.natsUrl);
  project.provide('natsUser', cluster.connectOptionsFor('user'));
  project.provide('natsAdmin', cluster.connectOptions);
  project.provide('natsBackend', cluster.connectOptionsFor('backend'));
  project.provide('clusterDir', cluster.dir);
  return () => cluster.stop();
}

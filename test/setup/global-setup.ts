// One dev cluster (real nats-server + 3 backend processes) for the whole run; tests get its URL via inject().
import type { TestProject } from 'vitest/node';
import { DevCluster } from '../../src/index.js';
import { TEST_MODELS } from './models.js';

declare module 'vitest' {
  export interface ProvidedContext {
    natsUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await DevCluster.start({ models: TEST_MODELS, backends: 3 });
  project.provide('natsUrl', cluster.natsUrl);
  return () => cluster.stop();
}

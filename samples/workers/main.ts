// `node dist/samples/workers/main.js`: ten worker threads persist objects in the dataset the main thread chose.
import { fileURLToPath } from 'node:url';
import { Client, DevCluster } from '../../src/index.js';
import { runWorkers } from './workers.js';

const model = fileURLToPath(new URL('../quickstart/model.js', import.meta.url));
await using cluster = await DevCluster.start({ models: [model], backends: 3 });
await using client = await new Client({ ...cluster.connectOptionsFor('user') }).start();
const result = await client.run({ dataset: 'workers' }, () => runWorkers(client, 'employee'));
console.log(
  `${result.workers} workers persisted ${result.persisted} objects in dataset ${result.datasets.join(', ')}; ` +
    `${result.found} found again by alias from the main thread`,
);

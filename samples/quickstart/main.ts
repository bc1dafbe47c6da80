// `npm run demo`: starts a dev cluster (nats-server + 3 backends), runs the walk-through, and cleans up.
import { fileURLToPath } from 'node:url';
import { Client, DevCluster } from '../../src/index.js';
import { walkthrough } from './walkthrough.js';

const model = fileURLToPath(new URL('./model.js', import.meta.url));

await using cluster = await DevCluster.start({ models: [model], backends: 3 });
console.log(
  `dev cluster: nats-server at ${cluster.natsUrl}, backends ${cluster.backends.map((b) => b.id).join(', ')}\n`,
);
await using client = await new Client({ ...cluster.connectOptionsFor('user') }).start();
await walkthrough(client);
console.log('\ndone: stopping the cluster');

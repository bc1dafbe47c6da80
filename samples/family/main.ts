// Runs the family walk-through on a fresh dev cluster: `node dist/samples/family/main.js`.
import { fileURLToPath } from 'node:url';
import { Client, DevCluster } from '../../src/index.js';
import { familyWalkthrough } from './walkthrough.js';

const model = fileURLToPath(new URL('./model.js', import.meta.url));
await using cluster = await DevCluster.start({ models: [model], backends: 3 });
await using client = await new Client({ ...cluster.connectOptionsFor('user') }).start();
await familyWalkthrough(client);

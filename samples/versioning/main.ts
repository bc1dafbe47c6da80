// `node dist/samples/versioning/main.js`: parallel versions of one object, the best one consolidated.
import { fileURLToPath } from 'node:url';
import { Client, DevCluster } from '../../src/index.js';
import { tune } from './tuning.js';

const model = fileURLToPath(new URL('./model.js', import.meta.url));
await using cluster = await DevCluster.start({ models: [model], backends: 3 });
await using client = await new Client({ ...cluster.connectOptionsFor('user') }).start();
await tune(client);

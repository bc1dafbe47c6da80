// `node dist/samples/stubs-client/main.js [natsUrl alias]`: the stub-only client. Without arguments it starts a dev
// cluster whose backends have the family model; this process never loads that model.
import { fileURLToPath } from 'node:url';
import { Client, DevCluster } from '../../src/index.js';
import { stubWalkthrough } from './walkthrough.js';

const [natsUrl, alias = 'lopez', json] = process.argv.slice(2);
if (natsUrl) {
  await using client = await new Client({ natsUrl }).start();
  const result = await stubWalkthrough(client, alias, json ? () => undefined : console.log);
  if (json) console.log(JSON.stringify(result));
} else {
  const model = fileURLToPath(new URL('../family/model.js', import.meta.url));
  await using cluster = await DevCluster.start({ models: [model], backends: 3 });
  await using client = await new Client({ ...cluster.connectOptionsFor('user') }).start();
  await stubWalkthrough(client, alias);
}

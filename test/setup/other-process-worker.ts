// The worker side of other-process.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { Client, type ClientContext } from '../../src/index.js';
import { Person } from '../models/index.js';

const { context, objectId, alias } = workerData as { context: ClientContext; objectId: string; alias?: string };
const client = await Client.fromContext(context).start();
const proxy = alias === undefined ? await Person.getById(objectId) : await Person.getByAlias(alias);
parentPort!.postMessage({ ready: true });
parentPort!.on('message', async (action: string) => {
  try {
    let value: unknown;
    if (action === 'backendId') value = proxy.backendId;
    else if (action === 'whereAmI') value = await proxy.whereAmI();
    else if (action === 'sync') value = await proxy.sync();
    else if (action === 'replicas') value = proxy.replicaBackendIds;
    parentPort!.postMessage({ value });
  } catch (err) {
    parentPort!.postMessage({ error: String(err) });
  }
});
process.on('exit', () => void client.stop());

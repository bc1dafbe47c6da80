// The worker side of connect.test.ts: a client started from an exported context, on a secured cluster.
import { parentPort, workerData } from 'node:worker_threads';
import { Client, type ClientContext } from '../../src/index.js';
import { Person } from '../models/index.js';

const { context, objectId } = workerData as { context: ClientContext; objectId: string };
try {
  await using _client = await Client.fromContext(context).start();
  const person = await Person.getById(objectId);
  parentPort!.postMessage({ age: await person.addYear() });
} catch (err) {
  parentPort!.postMessage({ error: `${(err as Error).name}: ${(err as Error).message}` });
}

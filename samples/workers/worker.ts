// One worker thread: a client started from the context the main thread exported, persisting its share of objects.
import { parentPort, workerData } from 'node:worker_threads';
import { Client, type ClientContext } from '../../src/index.js';
import { Employee } from '../quickstart/model.js';

interface Job {
  context: ClientContext;
  worker: number;
  count: number;
  prefix: string;
}

const { context, worker, count, prefix } = workerData as Job;
await using client = await Client.fromContext(context).start();
const ids: string[] = [];
for (let i = 0; i < count; i++) {
  const employee = new Employee(`worker ${worker} employee ${i}`, 1000 + worker);
  await employee.makePersistent({ alias: `${prefix}-${worker}-${i}` });
  ids.push(employee.id);
}
parentPort!.postMessage({ worker, ids, dataset: client.exportContext().dataset });

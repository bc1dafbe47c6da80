// A backend in a worker thread with a short request timeout (for the half-acknowledged move probe).
import { parentPort, workerData } from 'node:worker_threads';
import { Backend, type NatsConnectOptions } from '../../src/index.js';
import { TEST_MODELS } from '../setup/models.js';

const { nats, storage, id, timeoutMs } = workerData as {
  nats: NatsConnectOptions;
  storage: string;
  id: string;
  timeoutMs: number;
};
const backend = await Backend.start({ ...nats, models: TEST_MODELS, storage, id, timeoutMs });
parentPort!.postMessage('ready');
parentPort!.on('message', async () => {
  await backend.stop();
  parentPort!.postMessage('stopped');
});

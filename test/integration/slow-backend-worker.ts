// A backend in a worker thread with a short request timeout (for the half-acknowledged move probe).
import { parentPort, workerData } from 'node:worker_threads';
import { Backend } from '../../src/index.js';
import { TEST_MODELS } from '../setup/models.js';

const { natsUrl, storage, id, timeoutMs } = workerData as {
  natsUrl: string;
  storage: string;
  id: string;
  timeoutMs: number;
};
const backend = await Backend.start({ natsUrl, models: TEST_MODELS, storage, id, timeoutMs });
parentPort!.postMessage('ready');
parentPort!.on('message', async () => {
  await backend.stop();
  parentPort!.postMessage('stopped');
});

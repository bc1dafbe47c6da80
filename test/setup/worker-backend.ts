// A backend in a worker thread of the test process, for tests that need one set up unlike the cluster's: a short
// request timeout, a receive that waits for its sender, or a source that never confirms its move's note.
import { Worker } from 'node:worker_threads';
import type { NatsConnectOptions } from '../../src/index.js';

export interface WorkerBackendOptions {
  /** How it connects: a backend identity of the test cluster. */
  nats: NatsConnectOptions;
  namespace: string;
  id: string;
  storage: string;
  /** Datasets as access boundaries (docs/security.md); the test cluster's backends are `strict`. */
  datasets?: 'strict' | 'open';
  /** Its requests to other backends time out after this long. */
  timeoutMs?: number;
  /** Its first receive of a move waits until the sender asks for those objects back (see backend-worker.ts). */
  holdFirstReceive?: boolean;
  /**
   * As the source of a move, it never tells the target that its leaving note is on disk (a source that crashed
   * right after shipping, or whose word was lost): see backend-worker.ts.
   */
  muteNoted?: boolean;
}

export interface WorkerBackend {
  stop(): Promise<void>;
}

export async function workerBackend(options: WorkerBackendOptions): Promise<WorkerBackend> {
  const worker = new Worker(new URL('./backend-worker.js', import.meta.url), { workerData: options });
  const next = () =>
    new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`backend worker ${options.id} exited (${code})`)));
    });
  await next(); // ready
  return {
    async stop() {
      const stopped = next();
      worker.postMessage('stop');
      await stopped;
      await worker.terminate();
    },
  };
}

// Another "process" for tests that need a second identity map: a worker thread with a client of its own, holding
// a proxy of one object, doing what it is asked and reporting what its proxy knows.
import { Worker } from 'node:worker_threads';
import type { ClientContext } from '../../src/index.js';

export type Action = 'backendId' | 'whereAmI' | 'sync' | 'replicas';

export interface OtherProcess {
  ask(action: Action): Promise<unknown>;
  close(): Promise<void>;
}

/** The worker's proxy comes from `Person.getById(objectId)`, or from `Person.getByAlias(alias)` when one is given. */
export async function otherProcess(context: ClientContext, objectId: string, alias?: string): Promise<OtherProcess> {
  const worker = new Worker(new URL('./other-process-worker.js', import.meta.url), {
    workerData: { context, objectId, alias },
  });
  const replies: ((value: unknown) => void)[] = [];
  worker.on('message', (msg: { ready?: boolean; value?: unknown; error?: string }) => {
    const resolve = replies.shift();
    resolve?.(msg.error ? new Error(msg.error) : msg.value);
  });
  await new Promise((resolve) => replies.push(resolve)); // ready
  return {
    ask: (action) =>
      new Promise((resolve, reject) => {
        replies.push((v) => (v instanceof Error ? reject(v) : resolve(v)));
        worker.postMessage(action);
      }),
    close: async () => {
      await worker.terminate();
    },
  };
}

// The seed's multithreading example, in Node: ten worker threads persisting objects in the caller's context.
import { Worker } from 'node:worker_threads';
import type { Client } from '../../src/index.js';
import { Employee } from '../quickstart/model.js';

export interface WorkersResult {
  workers: number;
  persisted: number;
  found: number;
  datasets: string[];
}

export async function runWorkers(client: Client, prefix: string, workers = 10, perWorker = 5): Promise<WorkersResult> {
  const context = client.exportContext(); // inside client.run({ dataset }), the worker gets that dataset
  const results = await Promise.all(
    Array.from(
      { length: workers },
      (_, worker) =>
        new Promise<{ ids: string[]; dataset: string }>((resolve, reject) => {
          const thread = new Worker(new URL('./worker.js', import.meta.url), {
            workerData: { context, worker, count: perWorker, prefix },
          });
          thread.once('message', resolve);
          thread.once('error', reject);
          thread.once('exit', (code) => code !== 0 && reject(new Error(`worker ${worker} exited with ${code}`)));
        }),
    ),
  );
  // back in the main thread: every object is there, under its alias, in the same dataset
  let found = 0;
  for (let w = 0; w < workers; w++) {
    for (let i = 0; i < perWorker; i++) {
      const employee = await Employee.getByAlias(`${prefix}-${w}-${i}`);
      if (employee.id === results[w].ids[i] && (await employee.dcGet('salary')) === 1000 + w) found++;
    }
  }
  return {
    workers,
    persisted: results.reduce((n, r) => n + r.ids.length, 0),
    found,
    datasets: [...new Set(results.map((r) => r.dataset))],
  };
}

// `dataclay ctl gc|drain|rebalance`: an object's end and a backend's, from the command line (docs/lifecycle.md).
import { DrainIncompleteError } from '../errors.js';
import type { DrainReport } from '../protocol/backend-ops.js';
import { type CtlOptions, withClient } from './ctl-command.js';
import { counter } from './progress.js';

export interface GcOptions extends CtlOptions {
  dryRun?: boolean;
}

export async function ctlGc(options: GcOptions): Promise<void> {
  await withClient(options, async (client) => {
    const dryRun = options.dryRun ?? false;
    const r = await client.collectGarbage({ dryRun });
    const verb = dryRun ? 'would delete' : 'deleted';
    console.log(
      `${r.reachable} reachable, ${r.garbage} unreachable; ${verb} ${dryRun ? r.garbage : r.deleted} (${r.ms} ms)`,
    );
    if (dryRun) for (const id of r.sample) console.log(id);
    if (dryRun && r.sample.length < r.garbage) console.log(`(first ${r.sample.length} of ${r.garbage})`);
  });
}

export interface DrainOptions extends CtlOptions {
  /** Leave the drained backend running (default: stop it). */
  keepRunning?: boolean;
}

export async function ctlDrain(backendId: string, options: DrainOptions): Promise<void> {
  await withClient(options, async (client) => {
    const backend = client.backend(backendId);
    const progress = counter(`${backendId}: objects left`);
    const watch = setInterval(() => {
      backend.stats().then(
        (s) => progress.show(s.stored),
        () => undefined,
      );
    }, 1000);
    let r: DrainReport;
    try {
      r = await backend.drain();
    } finally {
      clearInterval(watch);
      progress.end();
    }
    console.log(`${backendId}: ${r.moved} objects moved, ${r.handedOver} replicas handed over (${r.rounds} passes)`);
    if (r.left > 0) {
      throw new DrainIncompleteError(backendId, r.left);
    }
    if (options.keepRunning) return;
    await backend.stop();
    // stopped once it has left the live set (its final save done, its record deleted)
    while ((await client.getBackends()).has(backendId)) await new Promise((r) => setTimeout(r, 200));
    console.log(`${backendId}: stopped`);
  });
}

export interface RebalanceCliOptions extends CtlOptions {
  inFlight: number;
}

export async function ctlRebalance(options: RebalanceCliOptions): Promise<void> {
  await withClient(options, async (client) => {
    const progress = counter('objects moved');
    const r = await client.rebalance({
      inFlight: options.inFlight,
      onProgress: (moved, planned) => progress.show(moved, planned),
    });
    progress.end();
    const line = (counts: Record<string, number>) =>
      Object.entries(counts)
        .map(([id, n]) => `${id} ${n}`)
        .join(', ');
    console.log(`moved ${r.moved} of ${r.planned} planned`);
    console.log(`before: ${line(r.before)}`);
    console.log(`after:  ${line(r.after)}`);
  });
}

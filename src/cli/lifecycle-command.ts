// `dataclay ctl gc`: an object's end, operated from the command line (docs/lifecycle.md).
import { type CtlOptions, withClient } from './ctl-command.js';

export interface GcOptions extends CtlOptions {
  dryRun?: boolean;
  /** Seconds the whole collection may take. */
  timeout: number;
}

export async function ctlGc(options: GcOptions): Promise<void> {
  await withClient(
    options,
    async (client) => {
      const dryRun = options.dryRun ?? false;
      const r = await client.collectGarbage({ dryRun });
      const verb = dryRun ? 'would delete' : 'deleted';
      console.log(
        `${r.reachable} reachable, ${r.garbage} unreachable; ${verb} ${dryRun ? r.garbage : r.deleted} (${r.ms} ms)`,
      );
      if (dryRun) for (const id of r.sample) console.log(id);
      if (dryRun && r.sample.length < r.garbage) console.log(`(first ${r.sample.length} of ${r.garbage})`);
    },
    options.timeout * 1000,
  );
}

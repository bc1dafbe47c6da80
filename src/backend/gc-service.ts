// Garbage collection (docs/lifecycle.md), run by whichever backend the admin's `md.gc` reaches: mark from the roots
// (every alias, and every object a call runs on now) across all live backends, then sweep the objects registered
// before the collection started that nothing reached. Each owner deletes its share itself, sparing an object a call
// started on, or an alias was given to, since the marking.
import type { Logger } from 'pino';
import type { Handlers } from '../protocol/handlers.js';
import type { GcReport, MetadataOps } from '../protocol/metadata-ops.js';
import type { BackendRuntime } from './backend-runtime.js';
import { reachable } from './graph-walk.js';
import { walkDeps } from './lifecycle-ops.js';

type Deps = Pick<BackendRuntime, 'backendId' | 'ownership' | 'objects' | 'store' | 'requests'>;

/** Ids per collect request. */
const BATCH = 1000;
const SAMPLE = 1000;

export function gcHandlers(rt: Deps): Pick<Handlers<MetadataOps>, 'gc'> {
  return { gc: ({ dryRun }) => collect(rt, dryRun) };
}

/** A collection every `intervalMs` (`dataclay backend --gc-interval`), never two at once; each logged. */
export function periodicCollection(rt: Deps, log: Pick<Logger, 'info' | 'warn'>, intervalMs: number): NodeJS.Timeout {
  let running = false;
  return setInterval(() => {
    if (running) return;
    running = true;
    collect(rt, false)
      .then(
        (report) => log.info(report, 'garbage collection'),
        (err) => log.warn({ err }, 'garbage collection failed: nothing deleted by it after the failure'),
      )
      .finally(() => {
        running = false;
      });
  }, intervalMs).unref();
}

async function collect(rt: Deps, dryRun: boolean): Promise<GcReport> {
  const started = Date.now();
  const { store, requests } = rt;
  // objects registered (or moved, or changed in their metadata) after this are spared: too new to judge
  const horizon = await store.objectsRevision();
  const s = requests.wire();
  const roots = new Set<string>();
  for await (const target of store.aliasTargets()) roots.add(target);
  const backends = await store.listBackends();
  const running = await Promise.all(backends.map((b) => requests.request(b.id, 'running', [s])));
  for (const id of running.flat()) roots.add(id);
  const reached = await reachable(roots, walkDeps(rt));
  const garbage = new Map<string, string[]>(); // owner → its unreachable objects
  let count = 0;
  const sample: string[] = [];
  for await (const { md, revision } of store.scanObjects()) {
    // a consolidated version's record only forwards to its original: it goes when the original does
    if (md.forward !== undefined || revision > horizon || reached.has(md.id)) continue;
    count++;
    if (sample.length < SAMPLE) sample.push(md.id);
    const share = garbage.get(md.master);
    if (share) share.push(md.id);
    else garbage.set(md.master, [md.id]);
  }
  let deleted = 0;
  if (!dryRun) {
    for (const [owner, ids] of garbage) {
      for (let i = 0; i < ids.length; i += BATCH)
        deleted += await requests.request(owner, 'collect', [s, ids.slice(i, i + BATCH)]);
    }
  }
  return { reachable: reached.size, garbage: count, deleted, sample, ms: Date.now() - started };
}

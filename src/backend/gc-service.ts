// Garbage collection (docs/lifecycle.md), run by whichever backend the admin's `md.gc` reaches: with every live
// backend's write barrier on, mark from the roots (every alias, and every object a call runs on now), then from what
// the barriers noted until they note nothing new; then, the barriers off, sweep the objects registered before the
// collection started that nothing reached. Each owner deletes its share itself, sparing an object a call started on, or an alias was
// given to, since the marking; a share whose object moved meanwhile follows it.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CollectionInterruptedError } from '../errors.js';
import type { Handlers } from '../protocol/handlers.js';
import type { GcReport, MetadataOps } from '../protocol/metadata-ops.js';
import type { BackendRuntime } from './backend-runtime.js';
import { type Reached, reachable, type WalkDeps } from './graph-walk.js';
import { walkDeps } from './lifecycle-ops.js';
import { deleteAtOwners } from './owner-deletes.js';

type Deps = Pick<BackendRuntime, 'backendId' | 'heap' | 'ownership' | 'objects' | 'store' | 'requests'>;

/** Ids per collect request. */
const BATCH = 1000;
const SAMPLE = 1000;
/** Rounds of marking from the barriers' notes before a graph that keeps changing fails the collection. */
const BARRIER_ROUNDS = 20;

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
  const s = requests.wire();
  const gcId = randomUUID();
  const backends = (await store.listBackends()).map((b) => b.id);
  const barrier: Barrier = (backendId, step) => requests.request(backendId, 'barrier', [s, gcId, step]);
  // on before anything is read: every write from now on is noted, so the walk's view can be repaired
  await Promise.all(backends.map((b) => barrier(b, 'begin')));
  let marked: Marked;
  try {
    marked = await mark(rt, backends, barrier);
  } finally {
    // off before the sweep: what is written from now on cannot change what the marking found
    await Promise.allSettled(backends.map((b) => barrier(b, 'end')));
  }
  const { horizon, reached } = marked;
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
  const deleted = dryRun
    ? 0
    : await deleteAtOwners(garbage, {
        send: (owner, ids) => requests.request(owner, 'collect', [s, ids]),
        ownerOf: walkDeps(rt).ownerOf,
        batch: BATCH,
      });
  return { reachable: reached.size, garbage: count, deleted, sample, ms: Date.now() - started };
}

type Barrier = (backendId: string, step: 'begin' | 'take' | 'end') => Promise<string[] | null>;

interface Marked {
  /** The objects bucket's revision when the marking began: objects written after it are spared. */
  horizon: number;
  reached: Map<string, Reached>;
}

/** What the roots reach, then what the barriers noted while the walk ran (the barriers are on). */
async function mark(rt: Deps, backends: string[], barrier: Barrier): Promise<Marked> {
  const { store, requests } = rt;
  const s = requests.wire();
  // objects registered (or moved, or changed in their metadata) after this are spared: too new to judge
  const horizon = await store.objectsRevision();
  const roots = new Set<string>();
  for await (const target of store.aliasTargets()) roots.add(target);
  const running = await Promise.all(backends.map((b) => requests.request(b, 'running', [s])));
  for (const id of running.flat()) roots.add(id);
  const walk = walkDeps(rt);
  const reached = await reachable(roots, walk);
  await markNoted(reached, walk, async () => {
    const live = (await store.listBackends()).map((b) => b.id);
    const joined = live.find((b) => !backends.includes(b));
    if (joined) throw new CollectionInterruptedError(`backend ${joined} joined while it ran`);
    const noted = await Promise.all(backends.map((b) => barrier(b, 'take')));
    const restarted = backends.find((_, i) => noted[i] === null);
    if (restarted) throw new CollectionInterruptedError(`backend ${restarted} restarted while it ran`);
    return noted.flatMap((ids) => ids ?? []);
  });
  return { horizon, reached };
}

/**
 * Marks from what the barriers noted (the references written or removed while the walk ran) until a round brings
 * nothing that is not marked yet: then every object the graph held when the collection began is marked.
 */
async function markNoted(reached: Map<string, Reached>, walk: WalkDeps, take: () => Promise<string[]>): Promise<void> {
  for (let round = 1; ; round++) {
    const fresh = [...new Set(await take())].filter((id) => !reached.has(id));
    if (fresh.length === 0) return;
    if (round > BARRIER_ROUNDS) throw new CollectionInterruptedError('the graph kept changing under it');
    for (const [id, r] of await reachable(fresh, walk, new Set(reached.keys()))) reached.set(id, r);
  }
}

// Rebalancing (docs/lifecycle.md): evens the number of objects per live backend with moves, a bounded number at once.
// The plan comes from each backend's own count and the metadata's listing of what it masters; each move is a batch
// sent to the owner, which moves what it still has (an object moved or deleted meanwhile is skipped). The moves are
// an operator's (`relocate`, the admin space): they need no grant on the objects' datasets, as a drain's.
import type { BackendInfo, ObjectMetadata } from '../metadata/types.js';
import type { Lookups } from '../runtime/lookups.js';
import type { Requests } from '../runtime/requests.js';

export interface RebalanceOptions {
  /** Move requests in flight at once (default 4). */
  inFlight?: number;
  /** Objects per move request (default 100). */
  batch?: number;
  /** Told after every move request: how many objects moved so far, of how many planned. */
  onProgress?: (moved: number, planned: number) => void;
}

export interface RebalanceReport {
  planned: number;
  moved: number;
  /** Objects per backend, before and after (as the backends count them). */
  before: Record<string, number>;
  after: Record<string, number>;
}

interface Deps {
  requests: Pick<Requests, 'request' | 'wire'>;
  lookups: Pick<Lookups, 'listBackends' | 'listObjects'>;
}

interface Move {
  from: string;
  to: string;
  ids: string[];
}

export async function rebalance(rt: Deps, options: RebalanceOptions = {}): Promise<RebalanceReport> {
  const { inFlight = 4, batch = 100, onProgress } = options;
  const backends = (await rt.lookups.listBackends()).filter((b) => !b.draining);
  const before = await counts(rt, backends);
  const moves = await plan(rt, backends, before, batch);
  const planned = moves.reduce((n, m) => n + m.ids.length, 0);
  let moved = 0;
  let next = 0;
  const s = rt.requests.wire();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < moves.length) {
        const { from, to, ids } = moves[next++];
        const n = await rt.requests.request(from, 'relocate', [s, ids, to, false, false, false]);
        moved += n; // after the await: `moved += await` would add to a stale total (the workers overlap)
        onProgress?.(moved, planned);
      }
    }),
  );
  return { planned, moved, before, after: await counts(rt, backends) };
}

/** Up to `wanted` objects the backend masters, page after page (the listing leaves consolidated versions out). */
async function mastered(rt: Deps, backendId: string, wanted: number): Promise<ObjectMetadata[]> {
  const out: ObjectMetadata[] = [];
  let cursor: string | undefined;
  do {
    const page = await rt.lookups.listObjects({ backendId, limit: Math.min(1000, wanted - out.length), cursor });
    out.push(...page.objects);
    cursor = page.cursor;
  } while (cursor !== undefined && out.length < wanted);
  return out;
}

async function counts(rt: Deps, backends: BackendInfo[]): Promise<Record<string, number>> {
  const stats = await Promise.all(backends.map((b) => rt.requests.request(b.id, 'ping', [rt.requests.wire()])));
  return Object.fromEntries(stats.map((s) => [s.id, s.stored]));
}

/** Moves from backends over the mean to those under it, each object to a backend that has its class. */
async function plan(rt: Deps, backends: BackendInfo[], stored: Record<string, number>, batch: number): Promise<Move[]> {
  const total = Object.values(stored).reduce((a, b) => a + b, 0);
  const mean = Math.ceil(total / Math.max(1, backends.length));
  const room = new Map(backends.map((b) => [b.id, Math.max(0, mean - stored[b.id])]));
  const moves: Move[] = [];
  for (const source of backends) {
    const excess = stored[source.id] - mean;
    if (excess <= 0) continue;
    const candidates = await mastered(rt, source.id, excess);
    const byTarget = new Map<string, string[]>();
    for (const o of candidates) {
      const target = backends.find((b) => (room.get(b.id) ?? 0) > 0 && b.classes.includes(o.className));
      if (!target) continue;
      room.set(target.id, room.get(target.id)! - 1);
      const ids = byTarget.get(target.id);
      if (ids) ids.push(o.id);
      else byTarget.set(target.id, [o.id]);
    }
    for (const [to, ids] of byTarget)
      for (let i = 0; i < ids.length; i += batch) moves.push({ from: source.id, to, ids: ids.slice(i, i + batch) });
  }
  return moves;
}

// Metadata requests, answered by whichever backend the queue group picks: there is no metadata server to run.
import { AliasDoesNotExistError, DoesNotExistError } from '../errors.js';
import { describeClass } from '../metadata/class-description.js';
import { aliasedId, type MetadataStore } from '../metadata/store.js';
import type { AliasTarget } from '../metadata/types.js';
import type { Handlers } from '../protocol/handlers.js';
import type { RequestContext } from '../object/context.js';
import type { GrantOp, MetadataOps } from '../protocol/metadata-ops.js';

/** Listings one backend reads at once; more wait their turn, so lookups by alias or id never wait behind them. */
const LISTINGS_AT_ONCE = 2;

/** What the answering backend knows of its own objects, from memory. */
export interface Here {
  backendId: string;
  /** Whether it masters the object now (loaded or in its store). */
  holds(id: string): boolean;
}

export function metadataHandlers(store: MetadataStore, here: Here): Omit<Handlers<MetadataOps>, GrantOp | 'gc'> {
  /** `ctx`: a request's, whose dataset check may have found the object unknown (it stays so for the request). */
  const objectOrThrow = async (id: string, ctx?: RequestContext) => {
    if (ctx?.unknown?.has(id)) throw new DoesNotExistError(id);
    const md = await store.getObject(id);
    if (!md) throw new DoesNotExistError(id);
    return md;
  };
  const listing = limiter(LISTINGS_AT_ONCE);
  /**
   * The alias's target as it was written, when nothing known here says it is stale: it names this backend and this
   * backend masters the object, or it names a live backend (which redirects the first request if the object moved).
   * Undefined sends the lookup to the object's record: a target that names this backend for an object it no longer
   * masters (moved away, deleted), or a gone backend (a backup may master it now).
   */
  const fresh = async (target: AliasTarget): Promise<AliasTarget | undefined> => {
    if (target.master === here.backendId) return here.holds(target.id) ? target : undefined;
    return (await store.liveBackend(target.master)) ? target : undefined;
  };
  return {
    backends: () => store.listBackends(),
    class: ({ c }) => describeClass(c),
    objects: ({ backendId, dataset, className, limit, cursor }) =>
      listing(() => store.listObjects({ backendId, dataset, className }, limit, cursor)),
    object: ({ id }, ctx) => objectOrThrow(id, ctx),
    async 'alias.get'({ d, a, r }) {
      const value = await store.getAlias(d, a, r);
      if (value === undefined) throw new AliasDoesNotExistError(d, a);
      // one round trip: the target from memory; only an alias written before targets were stored, or a stale one,
      // costs a read of the object's record
      const target = typeof value === 'string' ? undefined : await fresh(value);
      if (target) return [target.id, target.className, target.dataset, target.master, false];
      const { id, className, dataset, master } = await objectOrThrow(aliasedId(value));
      return [id, className, dataset, master, true];
    },
    async 'alias.add'({ d, a, id }, ctx) {
      const md = await objectOrThrow(id, ctx);
      const dataset = d ?? md.dataset;
      const revision = await store.createAlias(dataset, a, {
        id,
        className: md.className,
        dataset: md.dataset,
        master: md.master,
      });
      // a delete marks the object, then reads its aliases: one that marked it before this check may have read them
      // before this alias was written, so wait for it to end; a gone object then takes this alias with it (and the
      // alias list this wrote, which the delete may have removed first)
      if ((await store.settledObject(id)) === undefined) {
        await store.deleteAlias(dataset, a, id);
        await store.deleteAliasesOf(id);
        throw new DoesNotExistError(id);
      }
      return revision;
    },
    'alias.del': ({ d, a }) => store.deleteAlias(d, a),
    async 'alias.list'({ id, d }, ctx) {
      // with `d`, only that dataset's aliases, which the caller may read (checked): its own answer for any object
      return store.listAliases(id, d ?? (await objectOrThrow(id, ctx)).dataset);
    },
  };
}

/** Runs at most `max` of the tasks given to it at once, the others in order as places free up. */
function limiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running < max) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // a finishing task hands its place over
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

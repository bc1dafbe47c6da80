// Metadata requests, answered by whichever backend the queue group picks: there is no metadata server to run.
import { AliasDoesNotExistError, DoesNotExistError } from '../errors.js';
import { describeClass } from '../metadata/class-description.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Handlers } from '../protocol/handlers.js';
import type { GrantOp, MetadataOps } from '../protocol/metadata-ops.js';

/** Listings one backend reads at once; more wait their turn, so lookups by alias or id never wait behind them. */
const LISTINGS_AT_ONCE = 2;

export function metadataHandlers(store: MetadataStore): Omit<Handlers<MetadataOps>, GrantOp | 'gc'> {
  const objectOrThrow = async (id: string) => {
    const md = await store.getObject(id);
    if (!md) throw new DoesNotExistError(id);
    return md;
  };
  const listing = limiter(LISTINGS_AT_ONCE);
  return {
    backends: () => store.listBackends(),
    class: ({ c }) => describeClass(c),
    objects: ({ backendId, dataset, className, limit, cursor }) =>
      listing(() => store.listObjects({ backendId, dataset, className }, limit, cursor)),
    object: ({ id }) => objectOrThrow(id),
    async 'alias.get'({ d, a, r }) {
      const id = await store.getAlias(d, a, r);
      if (id === undefined) throw new AliasDoesNotExistError(d, a);
      return objectOrThrow(id);
    },
    async 'alias.add'({ d, a, id }) {
      const md = await objectOrThrow(id);
      const dataset = d ?? md.dataset;
      const revision = await store.createAlias(dataset, a, id);
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
    async 'alias.list'({ id, d }) {
      return store.listAliases(id, d ?? (await objectOrThrow(id)).dataset);
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

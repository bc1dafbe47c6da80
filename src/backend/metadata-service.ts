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
      return store.createAlias(d ?? md.dataset, a, id);
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

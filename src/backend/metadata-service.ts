// Metadata requests, answered by whichever backend the queue group picks: there is no metadata server to run.
import { AliasDoesNotExistError, DoesNotExistError } from '../errors.js';
import { describeClass } from '../metadata/class-description.js';
import type { MetadataStore } from '../metadata/store.js';
import type { Handlers } from '../protocol/handlers.js';
import type { GrantOp, MetadataOps } from '../protocol/metadata-ops.js';

export function metadataHandlers(store: MetadataStore): Omit<Handlers<MetadataOps>, GrantOp | 'gc'> {
  const objectOrThrow = async (id: string) => {
    const md = await store.getObject(id);
    if (!md) throw new DoesNotExistError(id);
    return md;
  };
  return {
    backends: () => store.listBackends(),
    class: ({ c }) => describeClass(c),
    objects: ({ backendId, dataset, className, limit }) => store.listObjects({ backendId, dataset, className }, limit),
    object: ({ id }) => objectOrThrow(id),
    async 'alias.get'({ d, a }) {
      const id = await store.getAlias(d, a);
      if (id === undefined) throw new AliasDoesNotExistError(d, a);
      return objectOrThrow(id);
    },
    async 'alias.add'({ d, a, id }) {
      const md = await objectOrThrow(id);
      await store.createAlias(d ?? md.dataset, a, id);
    },
    'alias.del': ({ d, a }) => store.deleteAlias(d, a),
    async 'alias.list'({ id, d }) {
      return store.listAliases(id, d ?? (await objectOrThrow(id)).dataset);
    },
  };
}

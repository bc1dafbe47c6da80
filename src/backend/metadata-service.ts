// Metadata requests, answered by whichever backend the queue group picks: there is no metadata server to run.
import { AliasDoesNotExistError, DoesNotExistError } from '../errors.js';
import { encodeOk } from '../messaging/envelope.js';
import type { AliasAdd, AliasList, AliasQuery, ClassQuery, ObjectQuery, ObjectsQuery } from '../messaging/protocol.js';
import { describeClass } from '../runtime/class-info.js';
import type { MetadataStore } from '../metadata/store.js';
import { decode } from '../serialization/codec.js';

type Op = (data: Uint8Array) => Promise<Uint8Array>;

export function metadataOps(store: MetadataStore): Record<string, Op> {
  const objectOrThrow = async (id: string) => {
    const md = await store.getObject(id);
    if (!md) throw new DoesNotExistError(id);
    return md;
  };
  return {
    async backends() {
      return encodeOk(await store.listBackends());
    },
    async class(data) {
      return encodeOk(describeClass(decode<ClassQuery>(data).c));
    },
    async objects(data) {
      const { backendId, dataset, className, limit } = decode<ObjectsQuery>(data);
      return encodeOk(await store.listObjects({ backendId, dataset, className }, limit));
    },
    async object(data) {
      return encodeOk(await objectOrThrow(decode<ObjectQuery>(data).id));
    },
    async 'alias.get'(data) {
      const { d, a } = decode<AliasQuery>(data);
      const id = await store.getAlias(d, a);
      if (id === undefined) throw new AliasDoesNotExistError(d, a);
      return encodeOk(await objectOrThrow(id));
    },
    async 'alias.add'(data) {
      const { d, a, id } = decode<AliasAdd>(data);
      const md = await objectOrThrow(id);
      await store.createAlias(d ?? md.dataset, a, id);
      return encodeOk(undefined);
    },
    async 'alias.del'(data) {
      const { d, a } = decode<AliasQuery>(data);
      await store.deleteAlias(d, a);
      return encodeOk(undefined);
    },
    async 'alias.list'(data) {
      const { id, d } = decode<AliasList>(data);
      return encodeOk(await store.listAliases(id, d ?? (await objectOrThrow(id)).dataset));
    },
  };
}

// An object the dataset check found unknown (no metadata, not held here) stays unknown for the whole request: the
// metadata operations answer DoesNotExistError even when its record appears before their own read, which was not
// checked. A fake store and fake grants: a pure unit test of the check and the handlers together.
import { describe, expect, it } from 'vitest';
import { metadataHandlers } from '../../src/backend/metadata-service.js';
import { DoesNotExistError } from '../../src/index.js';
import type { Grants } from '../../src/metadata/grants.js';
import type { MetadataStore } from '../../src/metadata/store.js';
import type { ObjectMetadata } from '../../src/metadata/types.js';
import type { RequestContext } from '../../src/object/context.js';
import { metadataDemands } from '../../src/security/access.js';
import { DatasetAuthorizer } from '../../src/security/authorizer.js';
import type { MetadataOps } from '../../src/protocol/metadata-ops.js';

const theirs: ObjectMetadata = { id: 'o-1', className: 'm.Secret', dataset: 'bobs', master: 'backend-1', replicas: [] };
const grants = {
  unavailable: () => undefined,
  dataset: () => ({}),
  may: (user: string, dataset: string) => user === 'alice' && dataset === 'alices',
} as unknown as Grants;

/** A metadata store whose record of o-1 is written (by another backend's persist) right after the check's read. */
function racedWorld() {
  let record: ObjectMetadata | undefined;
  const aliases: string[] = [];
  const store = {
    getObject: async () => record,
    createAlias: async (dataset: string, alias: string) => {
      aliases.push(`${dataset}/${alias}`);
      return 1;
    },
    settledObject: async () => record,
    listAliases: async () => aliases,
  } as unknown as MetadataStore;
  const authorizer = new DatasetAuthorizer(grants, 'strict', async (id) => {
    const found = await store.getObject(id);
    record = theirs; // the persist lands between the check and the operation
    return found && { dataset: found.dataset, className: found.className };
  });
  const check = authorizer.for<MetadataOps>(metadataDemands);
  const handlers = metadataHandlers(store, { backendId: 'backend-2', holds: () => false });
  const serve = async <K extends 'object' | 'alias.add' | 'alias.list'>(op: K, request: MetadataOps[K]['request']) => {
    const ctx = { username: 'alice', dataset: 'alices' } as RequestContext;
    await check(op, request, ctx, { space: 'u', user: 'alice', op });
    return (handlers[op] as (r: unknown, c: RequestContext) => unknown)(request, ctx);
  };
  return { serve, aliases, record: () => record };
}

const session = ['alice', 'alices', 'c'] as never;

describe('an object unknown to the dataset check', () => {
  it('is not described by `object`, though its record appeared after the check', async () => {
    const world = racedWorld();
    await expect(world.serve('object', { s: session, id: 'o-1' })).rejects.toBeInstanceOf(DoesNotExistError);
    expect(world.record()).toBe(theirs); // the race did happen
  });

  it('gets no alias from `alias.add`, and its facts are not written into one', async () => {
    const world = racedWorld();
    const add = world.serve('alias.add', { s: session, id: 'o-1', a: 'mine', d: 'alices' });
    await expect(add).rejects.toBeInstanceOf(DoesNotExistError);
    expect(world.aliases).toEqual([]);
  });

  it('has no aliases listed by `alias.list` without a dataset (which would be its own)', async () => {
    const world = racedWorld();
    await expect(world.serve('alias.list', { s: session, id: 'o-1' })).rejects.toBeInstanceOf(DoesNotExistError);
  });
});

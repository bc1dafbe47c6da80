// A lookup by alias answers from what the alias holds (one round trip) unless something the answering backend knows
// says that is stale; then from the object's record. A fake metadata store: what it holds is what the test says.
import { describe, expect, it } from 'vitest';
import { metadataHandlers } from '../../src/backend/metadata-service.js';
import { AliasDoesNotExistError, DoesNotExistError } from '../../src/index.js';
import type { AliasValue, MetadataStore } from '../../src/metadata/store.js';
import type { ObjectMetadata } from '../../src/metadata/types.js';
import type { RequestContext } from '../../src/object/context.js';

const target = { id: 'o-1', className: 'm.Person', dataset: 'ds', master: 'backend-1' };

interface World {
  alias?: AliasValue;
  /** The object's record: where it is now. */
  record?: ObjectMetadata;
  live: string[];
  /** The answering backend, and whether it masters o-1. */
  self: string;
  holds: boolean;
}

function lookup(world: World) {
  const reads: string[] = [];
  const store = {
    getAlias: async () => world.alias,
    getObject: async (id: string) => {
      reads.push(id);
      return world.record;
    },
    liveBackend: async (id: string) => (world.live.includes(id) ? { id } : undefined),
  } as unknown as MetadataStore;
  const handlers = metadataHandlers(store, { backendId: world.self, holds: () => world.holds });
  const found = handlers['alias.get']({ s: ['u', 'ds', 'c'], d: 'ds', a: 'x' }, {} as RequestContext);
  return { found: Promise.resolve(found), reads };
}

const record = (master: string): ObjectMetadata => ({ ...target, master, replicas: [] });

describe('alias.get', () => {
  it('answers the alias itself when it names this backend and this backend masters the object', async () => {
    const { found, reads } = lookup({ alias: target, live: [], self: 'backend-1', holds: true });
    expect(await found).toEqual(['o-1', 'm.Person', 'ds', 'backend-1', false]);
    expect(reads).toEqual([]);
  });

  it('answers the alias itself, a hint, when it names another live backend', async () => {
    const { found, reads } = lookup({ alias: target, live: ['backend-1'], self: 'backend-2', holds: false });
    expect(await found).toEqual(['o-1', 'm.Person', 'ds', 'backend-1', false]);
    expect(reads).toEqual([]);
  });

  it('reads the record when the alias names this backend and the object left it', async () => {
    const world = { alias: target, record: record('backend-3'), live: [], self: 'backend-1', holds: false };
    const { found, reads } = lookup(world);
    expect(await found).toEqual(['o-1', 'm.Person', 'ds', 'backend-3', true]);
    expect(reads).toEqual(['o-1']);
  });

  it('reads the record when the alias names a backend that is gone (a backup may master it now)', async () => {
    const world = { alias: target, record: record('backend-2'), live: ['backend-2'], self: 'backend-3', holds: false };
    expect(await lookup(world).found).toEqual(['o-1', 'm.Person', 'ds', 'backend-2', true]);
  });

  it('reads the record for an alias written before targets were stored (the id alone)', async () => {
    const world = { alias: 'o-1', record: record('backend-2'), live: ['backend-2'], self: 'backend-1', holds: false };
    expect(await lookup(world).found).toEqual(['o-1', 'm.Person', 'ds', 'backend-2', true]);
  });

  it('a deleted object (no record) is DoesNotExistError, no alias is AliasDoesNotExistError', async () => {
    const deleted = lookup({ alias: target, live: [], self: 'backend-1', holds: false });
    await expect(deleted.found).rejects.toBeInstanceOf(DoesNotExistError);
    const none = lookup({ live: ['backend-1'], self: 'backend-2', holds: false });
    await expect(none.found).rejects.toBeInstanceOf(AliasDoesNotExistError);
  });
});

// A backend checks a request for an object its metadata does not know yet, one it holds in memory while its
// registration is in flight, against that object's own dataset, and never caches it (the registration may be
// refused); an object known nowhere is left to the operation. A fake Grants: a pure unit test of the authorizer.
import { describe, expect, it } from 'vitest';
import { PermissionDeniedError } from '../../src/index.js';
import type { Demands } from '../../src/security/access.js';
import { DatasetAuthorizer, type ObjectFacts } from '../../src/security/authorizer.js';
import type { Grants } from '../../src/metadata/grants.js';

const demands = {
  read: ({ id }: { id: string }) => [{ object: id, level: 'r' as const }],
} as unknown as Demands<never>;
const grants = {
  unavailable: () => undefined,
  dataset: () => ({}),
  may: (user: string, dataset: string) => user === 'alice' && dataset === 'alices',
} as unknown as Grants;

function authorizer(metadata: Map<string, ObjectFacts>, held: Map<string, ObjectFacts>) {
  const a = new DatasetAuthorizer(
    grants,
    'strict',
    async (id) => metadata.get(id),
    (id) => held.get(id),
  );
  const check = a.for(demands as never) as unknown as (...args: unknown[]) => void | Promise<void>;
  return (user: string, id: string) => Promise.resolve(check('read', { id }, {}, { space: 'u', user, op: 'read' }));
}

describe('an object the metadata does not know yet', () => {
  it('is checked against the dataset of the one held here, and that is not cached', async () => {
    const metadata = new Map<string, ObjectFacts>();
    const held = new Map([['x', { dataset: 'alices', className: 'C' }]]);
    const read = authorizer(metadata, held);
    await expect(read('bob', 'x')).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(read('alice', 'x')).resolves.toBeUndefined();
    // the registration was refused: the id is another dataset's, as the metadata now says
    held.delete('x');
    metadata.set('x', { dataset: 'bobs', className: 'C' });
    await expect(read('alice', 'x')).rejects.toBeInstanceOf(PermissionDeniedError);
  });

  it('known nowhere, is left to the operation to answer', async () => {
    const read = authorizer(new Map(), new Map());
    await expect(read('bob', 'nowhere')).resolves.toBeUndefined();
  });
});

// deleteAtOwners (src/backend/owner-deletes.ts): a share refused because one of its objects moved is regrouped by
// the owners the metadata names now, counts from owners answering at once all add up, and the rounds are bounded.
import { describe, expect, it } from 'vitest';
import { deleteAtOwners } from '../../src/backend/owner-deletes.js';
import { WrongBackendError } from '../../src/errors.js';

describe('deleteAtOwners', () => {
  it('follows objects that moved to their new owner and counts every delete', async () => {
    const where = new Map([
      ['a', 'b3'], // moved from b2
      ['b', 'b2'],
      ['c', 'b1'],
      ['gone', undefined],
    ]);
    const sent: [string, string[]][] = [];
    const send = async (owner: string, ids: string[]) => {
      sent.push([owner, ids]);
      await new Promise((r) => setTimeout(r, 1)); // owners answer at once: no count may be lost
      const moved = ids.find((id) => where.get(id) !== owner);
      if (moved) throw new WrongBackendError(moved, where.get(moved) ?? 'nowhere');
      return ids.length;
    };
    const shares = new Map([
      ['b2', ['a', 'b', 'gone']],
      ['b1', ['c']],
    ]);
    const deleted = await deleteAtOwners(shares, { send, ownerOf: async (id) => where.get(id) });
    expect(deleted).toBe(3);
    expect(sent).toContainEqual(['b3', ['a']]);
    expect(sent).toContainEqual(['b2', ['b']]);
  });

  it('gives up with the WrongBackendError after 3 rounds of an object that keeps moving', async () => {
    let hop = 0;
    const send = async (_owner: string, ids: string[]): Promise<number> => {
      throw new WrongBackendError(ids[0], `b${++hop}`);
    };
    const ownerOf = async () => `b${hop}`;
    await expect(deleteAtOwners(new Map([['b0', ['x']]]), { send, ownerOf })).rejects.toBeInstanceOf(WrongBackendError);
    expect(hop).toBe(3);
  });

  it('sends one owner its share in batches', async () => {
    const batches: number[] = [];
    const send = async (_owner: string, ids: string[]) => {
      batches.push(ids.length);
      return ids.length;
    };
    const ids = Array.from({ length: 25 }, (_, i) => `o${i}`);
    expect(await deleteAtOwners(new Map([['b1', ids]]), { send, ownerOf: async () => 'b1', batch: 10 })).toBe(25);
    expect(batches).toEqual([10, 10, 5]);
  });
});

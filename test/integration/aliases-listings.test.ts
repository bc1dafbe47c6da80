// Aliases answered from memory must still read the caller's own writes; listings come in pages with a cursor.
import { describe, expect, it } from 'vitest';
import { AliasDoesNotExistError, AlreadyExistsError } from '../../src/index.js';
import { Counter, Person } from '../models/index.js';
import { uniqueAlias, useClient } from '../setup/helpers.js';
import { otherProcess } from '../setup/other-process.js';

const shared = useClient();

describe('aliases from memory', () => {
  it('read-your-writes: a deleted, then re-pointed alias is seen at once, whichever backend answers', async () => {
    const [a, b] = [new Person('A', 1), new Person('B', 2)];
    await a.makePersistent();
    await b.makePersistent();
    for (let i = 0; i < 20; i++) {
      const alias = uniqueAlias('ryw');
      await a.addAlias(alias);
      expect(await Person.getByAlias(alias)).toBe(a);
      await Person.deleteAlias(alias);
      await expect(Person.getByAlias(alias)).rejects.toBeInstanceOf(AliasDoesNotExistError);
      await b.addAlias(alias);
      expect(await Person.getByAlias(alias)).toBe(b);
    }
  });

  it("getAliases reads the object's own list: each alias once, failed attempts left out", async () => {
    const p = new Person('Listed', 1);
    const taken = uniqueAlias('taken');
    await new Person('Other', 1).makePersistent({ alias: taken });
    const names = Array.from({ length: 8 }, () => uniqueAlias('mine'));
    await p.makePersistent({ alias: names[0] });
    // added concurrently: the list is updated by compare-and-set, so none is lost
    await Promise.all(names.slice(1).map((n) => p.addAlias(n)));
    await expect(p.addAlias(taken)).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(await p.getAliases()).toEqual(new Set(names));
    await Promise.all(names.slice(0, 4).map((n) => Person.deleteAlias(n)));
    expect(await p.getAliases()).toEqual(new Set(names.slice(4)));
  });
});

describe('lookups by alias in one round trip: the location they give is followed', () => {
  it('after a move, a lookup in this process keeps the location the move taught it', async () => {
    const p = new Person('Mover', 1);
    const alias = uniqueAlias('moved');
    await p.makePersistent({ backendId: 'backend-1', alias });
    await p.move('backend-2');
    for (let i = 0; i < 10; i++) {
      // any backend answers; the alias still names backend-1, which must not overwrite what the move said
      expect(await Person.getByAlias(alias)).toBe(p);
      expect(p.backendId).toBe('backend-2');
    }
    expect(await p.whereAmI()).toBe('backend-2');
  });

  it('after moves, a lookup in another process reaches the object where it is now', async () => {
    const p = new Person('Traveller', 1);
    const alias = uniqueAlias('travelled');
    await p.makePersistent({ backendId: 'backend-1', alias });
    await p.move('backend-2');
    await p.move('backend-3');
    const other = await otherProcess(shared.client.exportContext(), p.id, alias); // its proxy: a getByAlias
    try {
      expect(await other.ask('whereAmI')).toBe('backend-3'); // the method ran where the object is
      expect(await other.ask('backendId')).toBe('backend-3'); // and the proxy learned it
    } finally {
      await other.close();
    }
  });
});

describe('listings in pages', () => {
  it('a cursor continues where a page ended: every object once, no page over its limit', async () => {
    const made = Array.from({ length: 25 }, () => new Counter());
    await Promise.all(made.map((c) => c.makePersistent({ backendId: 'backend-2' })));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await shared.admin.listObjects({
        backendId: 'backend-2',
        className: made[0].className,
        limit: 7,
        cursor,
      });
      expect(page.length).toBeLessThanOrEqual(7);
      seen.push(...page.map((o) => o.id));
      cursor = page.cursor;
    } while (cursor !== undefined);
    // each of ours exactly once (another test's object changed meanwhile may show twice: it moved to the end)
    for (const c of made) expect(seen.filter((id) => id === c.id)).toHaveLength(1);
    // the same through the iterator
    const iterated = new Set<string>();
    for await (const md of shared.admin.objects({ backendId: 'backend-2', className: made[0].className }))
      iterated.add(md.id);
    for (const c of made) expect(iterated.has(c.id)).toBe(true);
  });
});

// The holder's index of its copies (held-copies.ts): a key and a slot in typed columns per copy.
import { describe, expect, it } from 'vitest';
import { HeldCopies } from '../../src/backend/held-copies.js';
import type { ClassInfo } from '../../src/object/meta.js';

const box = { name: 'Box' } as ClassInfo;
const ledger = { name: 'Ledger' } as ClassInfo;

describe('held copies', () => {
  it('gives back what was taken, with a new revision each time a copy is taken again', () => {
    const held = new HeldCopies();
    const first = held.set('a', { info: box, master: 'm1', epoch: 2, order: [12345678901, 7], at: 5.5 });
    expect(held.get('a')).toEqual({
      info: box,
      master: 'm1',
      revision: first,
      epoch: 2,
      order: [12345678901, 7],
      at: 5.5,
    });
    const second = held.set('a', { info: ledger, master: 'm2', epoch: 3, order: undefined, at: 6 });
    expect(second).not.toBe(first);
    expect(held.get('a')).toEqual({ info: ledger, master: 'm2', revision: second, epoch: 3, order: undefined, at: 6 });
    expect(held.size).toBe(1);
    expect(held.masters()).toEqual(['m2']);
  });

  it('a copy dropped and taken anew is another revision (an equal one means the same state)', () => {
    const held = new HeldCopies();
    const before = held.set('a', { info: box, master: 'm1', epoch: 0, order: undefined, at: 0 });
    held.delete('a');
    expect(held.revision('a')).toBe(0);
    expect(held.set('a', { info: box, master: 'm1', epoch: 0, order: undefined, at: 0 })).not.toBe(before);
  });

  it('counts copies per master, lists them by master and by age, and reuses freed slots', () => {
    const held = new HeldCopies();
    for (let i = 0; i < 3_000; i++)
      held.set(`id${i}`, { info: box, master: i % 3 === 0 ? 'm1' : 'm2', epoch: i, order: [1, i], at: i });
    expect(held.size).toBe(3_000);
    expect(held.from('m1')).toHaveLength(1_000);
    expect([...held.byMaster().keys()].sort()).toEqual(['m1', 'm2']);
    expect(held.takenBefore(10)).toEqual(Array.from({ length: 10 }, (_, i) => `id${i}`));
    for (let i = 0; i < 3_000; i += 3) held.delete(`id${i}`);
    expect(held.masters()).toEqual(['m2']);
    expect(held.from('m1')).toEqual([]);
    held.set('new', { info: box, master: 'm3', epoch: 9, order: undefined, at: 1 });
    expect(held.get('id1')).toMatchObject({ master: 'm2', epoch: 1, order: [1, 1], at: 1 });
    expect(held.get('new')).toMatchObject({ master: 'm3', epoch: 9 });
    held.setEpoch('new', 10);
    expect(held.get('new')?.epoch).toBe(10);
    expect(held.get('id0')).toBeUndefined();
  });
});

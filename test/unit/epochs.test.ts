import { describe, expect, it } from 'vitest';
import { Epochs } from '../../src/backend/epochs.js';
import type { StoredRecord } from '../../src/backend/object-store.js';

/** A store whose records say epoch 3, counting how often it is read. */
function storeAt3() {
  const reads: string[] = [];
  const record = ['Person', 'ds', new Uint8Array(), [], undefined, 3] as unknown as StoredRecord;
  const get = (id: string) => {
    reads.push(id);
    return record;
  };
  return { reads, objects: { get } };
}

describe('epochs', () => {
  it('an object not in memory takes its epoch from its record', () => {
    const { reads, objects } = storeAt3();
    const epochs = new Epochs(objects, { has: () => false });
    expect(epochs.of('o1')).toBe(3);
    expect(reads).toEqual(['o1']);
  });

  it('an object in memory that no epoch was set for is at 0, and its record is not read', () => {
    const { reads, objects } = storeAt3();
    const epochs = new Epochs(objects, { has: (id) => id === 'loaded' });
    expect(epochs.of('loaded')).toBe(0);
    expect(reads).toEqual([]);
  });

  it('an epoch set for an object wins over memory and record, until it is deleted', () => {
    const { objects } = storeAt3();
    const epochs = new Epochs(objects, { has: () => true });
    epochs.set('o1', 7);
    expect(epochs.of('o1')).toBe(7);
    epochs.delete('o1');
    expect(epochs.of('o1')).toBe(0);
  });
});

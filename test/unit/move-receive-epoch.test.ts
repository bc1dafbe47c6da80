// A move's target writes the records at the epoch after the sender's while it reads and writes the metadata
// (moves.ts receive), and writes them again at the metadata's, before writing the metadata, when the two disagree (a
// sender that no longer masters the object at the metadata's epoch). The store and the metadata are fakes: a pure unit test of the order.
import { describe, expect, it } from 'vitest';
import type { ObjectMetadata } from '../../src/index.js';
import { encode, IdentityMap, Moves } from '../../src/internal.js';
import { Epochs } from '../../src/backend/epochs.js';
import { Heap } from '../../src/backend/heap.js';
import { own } from '../../src/object/lifecycle.js';
import { STATE } from '../../src/object/state.js';
import type { DataClayObject } from '../../src/object/dataclay-object.js';
import type { TransferRecord } from '../../src/protocol/backend-ops.js';
import { Person } from '../models/index.js';

const className = new Person('x', 1)[STATE].info.name;
const personState = encode({ name: 'Ada', age: 36, spouse: null, friends: [], tags: new Set(), scores: new Map() });

/** A target whose metadata holds the object at `mdEpoch`; what it wrote, at which epoch, and in which order. */
function target(mdEpoch: number) {
  const events: string[] = [];
  const epochs = new Epochs({ get: () => undefined });
  const md: ObjectMetadata = { id: 'o1', className, dataset: 'ds', master: 'src', replicas: ['b3'], epoch: mdEpoch };
  let metadataRead!: () => void;
  const reading = new Promise<void>((resolve) => (metadataRead = resolve));
  const written: ObjectMetadata[] = [];
  const received: DataClayObject[] = [];
  const moves = new Moves({
    backendId: 'me',
    heap: new Heap(),
    identity: new IdentityMap(),
    objects: { remove: async () => undefined },
    store: {
      getObject: async () => {
        await reading; // the metadata answers only once the test lets it
        events.push('metadata read');
        return md;
      },
      putObject: async (m: ObjectMetadata) => {
        events.push(`metadata written at ${m.epoch}`);
        written.push(m);
      },
    },
    ownership: { markLeaving: () => () => undefined, resolveRef: () => undefined },
    replicas: { drop: () => undefined },
    registrar: { own: (o: DataClayObject, dataset: string) => (received.push(o), own(o, 'me', dataset)) },
    writes: {
      save: async (objs: DataClayObject[]) => void events.push(`records saved at ${epochs.of(objs[0].id)}`),
      rewrite: async (objs: DataClayObject[]) => void events.push(`records rewritten at ${epochs.of(objs[0].id)}`),
    },
    epochs,
    ensureBackups: async () => undefined,
    onBackgroundError: (err: unknown) => {
      throw err;
    },
  } as unknown as ConstructorParameters<typeof Moves>[0]);
  return { moves, events, epochs, written, metadataRead, received };
}

const sentAt = (epoch: number | undefined): TransferRecord => ['o1', className, 'ds', personState, undefined, epoch];

describe("a move's target", () => {
  it('saves the records at the epoch after the sender’s before the metadata is read, and writes both at it', async () => {
    const t = target(4);
    const receiving = t.moves.receive([sentAt(4)]);
    await new Promise((r) => setImmediate(r));
    expect(t.events).toEqual(['records saved at 5']); // the metadata has not answered yet
    t.metadataRead();
    await receiving;
    expect(t.events).toEqual(['records saved at 5', 'metadata read', 'metadata written at 5']);
    expect(t.written[0]).toMatchObject({ master: 'me', epoch: 5, replicas: [] });
    expect(t.epochs.of('o1')).toBe(5);
  });

  it("writes the records again at the metadata's epoch, before the metadata, when the sender's is not it", async () => {
    for (const sent of [2, undefined]) {
      const t = target(7);
      const receiving = t.moves.receive([sentAt(sent)]);
      t.metadataRead();
      await receiving;
      // the records at the metadata's next epoch before the metadata says it: a crash in between must not leave a
      // record older than the metadata (the lease would drop it as lost)
      expect(t.events).toEqual([
        `records saved at ${(sent ?? 0) + 1}`,
        'metadata read',
        'records rewritten at 8',
        'metadata written at 8',
      ]);
      expect(t.epochs.of('o1')).toBe(8);
    }
  });

  it('forgets the epoch of objects it lets go of: a backend that objects pass through keeps none of theirs', async () => {
    const t = target(4);
    await (t.metadataRead(), t.moves.receive([sentAt(4)]));
    expect(t.epochs.of('o1')).toBe(5);
    await t.moves.release(t.received, 'elsewhere');
    expect(t.epochs.of('o1')).toBe(0); // its record went too: nothing here says an epoch any more
  });
});

// A backup placement reads an unloaded object's replicas from its record, not from its shell: a shell (after a
// restart, or once the evicted instance was collected) knows none, and a placement that believed it would send a
// copy to a holder that has one, or move the backup to another holder at random. The store, the live set and the
// replicas are fakes: a pure unit test of what the placement decides.
import { describe, expect, it } from 'vitest';
import { BackupPlacement } from '../../src/backend/backup-placement.js';
import { newShell } from '../../src/object/lifecycle.js';
import { STATE } from '../../src/object/state.js';
import type { DataClayObject } from '../../src/object/dataclay-object.js';
import { Person } from '../models/index.js';

const info = new Person('x', 1)[STATE].info;
const backend = (id: string) => ({ id, host: 'h', pid: 1, startedAt: 1, heartbeatAt: 1, classes: [info.name] });

function placement(recorded: string[]) {
  const sent: string[] = [];
  const changed: string[] = [];
  const deps = {
    backendId: 'me',
    backups: 1,
    store: { listBackends: async () => [backend('me'), backend('b'), backend('c')] },
    objects: { ids: () => ['o1'], get: () => [info.name, 'ds', new Uint8Array(), recorded], has: () => true },
    replicas: {
      sendCopies: async (target: string) => void sent.push(target),
      changeReplicas: async (o: DataClayObject) => void changed.push(o.id),
      retireLater: () => undefined,
      retireOwed: () => undefined,
      placing: () => () => undefined,
    },
    ownership: { ownedHere: () => undefined },
    moves: { beginMove: async () => () => undefined },
    gate: () => undefined,
    trim: () => undefined,
    log: { info: () => undefined },
    onBackgroundError: (err: unknown) => {
      throw err;
    },
  };
  return {
    place: new BackupPlacement(deps as unknown as ConstructorParameters<typeof BackupPlacement>[0]),
    sent,
    changed,
  };
}

describe('a backup placement of an object not loaded (a shell)', () => {
  it('sends nothing when its record names a live holder already', async () => {
    const t = placement(['b']);
    await t.place.ensure([newShell(info, 'o1', 'me')]);
    expect(t.sent).toEqual([]);
    expect(t.changed).toEqual([]);
  });

  it('places one backup when its record names none', async () => {
    const t = placement([]);
    await t.place.ensure([newShell(info, 'o1', 'me')]);
    expect(t.sent).toHaveLength(1);
    expect(['b', 'c']).toContain(t.sent[0]);
    expect(t.changed).toEqual(['o1']);
  });
});

import { describe, expect, it } from 'vitest';
import { Vault } from '../models/index.js';
import { useClient } from '../setup/helpers.js';

useClient(); // the models below need a started client

describe('a state-hook object moved to its replica holder', () => {
  it('after a move to the backend holding its replica, writes and reads agree (state hooks)', async () => {
    const v = new Vault('abc');
    await v.makePersistent({ backendId: 'backend-1' });
    await v.newReplica('backend-2');
    await v.move('backend-2');
    expect(v.backendId).toBe('backend-2');
    await v.dcSet('secret', 'new');
    const reads = new Set<string>();
    for (let i = 0; i < 20; i++) reads.add(await v.dcGet('secret'));
    expect([...reads]).toEqual(['new']);
  });
});

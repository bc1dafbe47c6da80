// Nothing acknowledged is lost, nothing refused is kept: retries, consolidation under writes, refused writes.
import { connect } from '@nats-io/transport-node';
import { describe, expect, inject, it } from 'vitest';
import {
  AlreadyPersistentError,
  AliasDoesNotExistError,
  InvalidArgumentError,
  RemoteError,
  UnserializableError,
} from '../../src/index.js';
import { encode, readReply } from '../../src/internal.js';
import { Factory, Tally } from '../models/index.js';
import { uniqueAlias, useClient, waitFor } from '../setup/helpers.js';

const shared = useClient();

/** A request written by hand, as the test cluster's user `user` (its replies come to its own inbox). */
async function raw(subject: string, payload: Uint8Array): Promise<unknown> {
  const { servers, user, pass } = inject('natsUser');
  const nc = await connect({ servers, user, pass, inboxPrefix: `_INBOX.${user}` });
  try {
    return readReply((await nc.request(subject, payload, { timeout: 10_000 })).data);
  } finally {
    await nc.close();
  }
}

describe('retries are safe', () => {
  it('a raw persist naming an object that exists elsewhere, or in another dataset, is refused and touches nothing', async () => {
    const t = new Tally();
    await t.makePersistent({ backendId: 'backend-1', alias: uniqueAlias('victim') });
    await t.inc(5);
    const state = encode({ count: 666, extra: null });
    const session = (dataset: string) => ['admin', dataset, 'chain-1'];
    const record = [t.id, t.className, state];
    await expect(
      raw('dc.default.u.user.be.backend-2.persist', encode([session('admin'), [record]])),
    ).rejects.toBeInstanceOf(AlreadyPersistentError);
    await expect(
      raw('dc.default.u.user.be.backend-1.persist', encode([session('other'), [record]])),
    ).rejects.toBeInstanceOf(AlreadyPersistentError);
    expect(await t.dcGet('count')).toBe(5);
    expect(await t.inc(1)).toBe(6);
    expect((await shared.metadata(t.id))?.master).toBe('backend-1');
  });
});

describe('versions', () => {
  // on another backend the original adopts the state by a request; on its own, in the version's backend process
  it.each([
    ['on another backend', 'backend-2'],
    ["on the original's backend", undefined],
  ])('no acknowledged write to a version %s is lost when it is consolidated meanwhile', async (_, at) => {
    for (let round = 0; round < 10; round++) {
      const original = new Tally();
      await original.makePersistent({ backendId: 'backend-1' });
      const version = await original.newVersion(at);
      expect((await shared.metadata(version.id))?.master).toBe(at ?? 'backend-1');
      let acked = 0;
      let stop = false;
      const loops = Array.from({ length: 8 }, async () => {
        while (!stop) {
          await version.inc(1).then(
            () => acked++,
            () => {
              stop = true; // a write refused (not acknowledged) after the version is gone would end the loop
            },
          );
        }
      });
      await waitFor(() => acked >= 20, { what: 'some acknowledged writes', intervalMs: 0 });
      await version.consolidateVersion();
      await new Promise((r) => setImmediate(r));
      stop = true;
      await Promise.all(loops);
      expect(await original.dcGet('count')).toBe(acked);
    }
  });
});

describe('an active method is atomic on its backend', () => {
  it('a change that cannot be stored is refused and leaves the last committed state, for every caller', async () => {
    const t = new Tally();
    await t.makePersistent({ backendId: 'backend-3' });
    await t.inc(10);
    await expect(t.poison(4)).rejects.toBeInstanceOf(UnserializableError);
    expect(await t.dcGet('count')).toBe(10);
    expect(await t.inc(1)).toBe(11); // not blocked
    expect(await t.inc(1)).toBe(12);
    expect(await t.dcGet('extra')).toBe(null);
  });

  it('when one changed object cannot be stored, none of the others is written either', async () => {
    const a = new Tally();
    const b = new Tally();
    await a.makePersistent({ backendId: 'backend-1' });
    await b.makePersistent({ backendId: 'backend-1' });
    await a.inc(7);
    await expect(a.incThenPoison(b)).rejects.toBeInstanceOf(UnserializableError);
    expect(await a.dcGet('count')).toBe(7); // its record was not written before b's failed to encode
    expect(await b.dcGet('count')).toBe(0);
    expect(await a.inc(1)).toBe(8);
  });

  it('a method that throws leaves every object it changed on its backend as last committed', async () => {
    const a = new Tally();
    const b = new Tally();
    await a.makePersistent({ backendId: 'backend-1' });
    await b.makePersistent({ backendId: 'backend-1' });
    await a.inc(5);
    await expect(a.bump(b, 3)).rejects.toBeInstanceOf(RemoteError);
    expect(await a.dcGet('count')).toBe(5);
    expect(await b.dcGet('count')).toBe(0);
  });

  it('a value nested 3,000 deep sent with dcSet is either stored or refused without a trace', async () => {
    const t = new Tally();
    await t.makePersistent({ backendId: 'backend-2' });
    await t.dcSet('count', 3);
    let deep: unknown[] = [];
    const top = deep;
    for (let i = 0; i < 3_000; i++) {
      const next: unknown[] = [];
      deep.push(next);
      deep = next;
    }
    // refused (too deep to encode or decode somewhere): no trace; accepted: stored. Never refused yet kept.
    const refused = await t.dcSet('extra', top).then(
      () => false,
      () => true,
    );
    expect(await t.dcGet('count')).toBe(3);
    if (refused) expect(await t.dcGet('extra')).toBe(null);
    else expect(await t.dcGet('extra')).toEqual(top);
    expect(await t.inc(1)).toBe(4);
  });
});

describe('objects built inside an active method are persistent at once', () => {
  it('addAlias on a new object in the same method', async () => {
    const f = new Factory();
    await f.makePersistent({ backendId: 'backend-1' });
    const alias = uniqueAlias('made');
    const t = await f.makeWithAlias(alias);
    expect((await Tally.getByAlias(alias)).id).toBe(t.id);
  });

  it('makePersistent with an alias on a new object in the same method', async () => {
    const f = new Factory();
    await f.makePersistent({ backendId: 'backend-2' });
    const alias = uniqueAlias('made');
    const t = await f.makePersistentWithAlias(alias);
    expect((await Tally.getByAlias(alias)).id).toBe(t.id);
  });

  it('move, newReplica and newVersion of a new object in the same method', async () => {
    const f = new Factory();
    await f.makePersistent({ backendId: 'backend-1' });
    const moved = await f.makeAndMove('backend-3');
    await moved.sync();
    expect(moved.backendId).toBe('backend-3');
    const replicated = await f.makeAndReplicate('backend-2');
    await replicated.sync();
    expect(replicated.replicaBackendIds).toContain('backend-2');
    const version = await f.makeAndVersion();
    expect(await version.dcGet('count')).toBe(7);
  });

  it('an alias lookup of a deleted alias is AliasDoesNotExistError', async () => {
    await expect(Tally.getByAlias(uniqueAlias('none'))).rejects.toBeInstanceOf(AliasDoesNotExistError);
  });
});

describe('arguments are checked at the boundary', () => {
  it('a missing or ill-typed argument is InvalidArgumentError before the method runs, and nothing is stored', async () => {
    const t = new Tally();
    await t.makePersistent({ backendId: 'backend-2' });
    await t.inc(2);
    const inc = t.inc as unknown as (...args: unknown[]) => Promise<number>;
    const missing = await inc.call(t).catch((e) => e);
    expect(missing).toBeInstanceOf(InvalidArgumentError);
    expect(missing.data).toMatchObject({ method: 'inc', parameter: 'n', expected: 'number' });
    await expect(inc.call(t, 'abc')).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(inc.call(t, 1, 2)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await t.dcGet('count')).toBe(2);
    expect(await t.inc(1)).toBe(3);
  });
});

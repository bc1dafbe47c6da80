// A master changing an object's replicas (replicas.ts): writes are pushed to the replicas its state names, and a
// promotion picks from those the metadata names, so the state must name every replica the metadata does at every
// moment. Dropping a holder leaves it in the state until the metadata no longer names it; adding one puts it in
// the state first; a change whose write failed keeps both; changes of one object run in turn. The
// metadata is a fake whose compare-and-set the test releases (a pure unit test of the ordering).
import { describe, expect, it } from 'vitest';
import { Replicas, type ReplicasDeps } from '../../src/backend/replicas.js';
import type { ObjectMetadata } from '../../src/index.js';
import { own, setReplicas } from '../../src/object/lifecycle.js';
import { STATE } from '../../src/object/state.js';
import { FailoverLedger } from '../models/index.js';

interface Pending {
  replicas: readonly string[];
  release: (ok: boolean) => void;
  fail: (err: Error) => void;
}

/** A master with one object whose metadata names `replicas`; each compare-and-set waits in `pending`. */
function master(replicas: string[]) {
  const obj = new FailoverLedger();
  own(obj, 'me', 'ds');
  setReplicas(obj, replicas);
  let md: ObjectMetadata = { id: obj.id, className: 'C', dataset: 'ds', master: 'me', replicas };
  let revision = 1;
  const pending: Pending[] = [];
  const records: string[][] = [];
  const dropped: string[] = [];
  const retires: [holder: string, ids: string[]][] = [];
  const deps = {
    identity: { get: (id: string) => (id === obj.id ? obj : undefined) },
    requests: {
      wire: () => 's',
      batchBudget: () => 1_000_000,
      request: async (holder: string, op: string, args: unknown[]) => {
        if (op === 'retire') retires.push([holder, args[1] as string[]]);
      },
    },
    log: { info: () => undefined },
    backendId: 'me',
    load: (o: FailoverLedger) => o[STATE],
    epochs: { of: () => 0 },
    objects: {
      get: () => ['C', 'ds', new Uint8Array(), records.at(-1) ?? replicas],
      put: async (_id: string, record: Uint8Array) => {
        records.push([...(obj[STATE].replicas ?? [])]);
        return record.length > 0;
      },
    },
    store: {
      getObjectEntry: async () => ({ md, revision }),
      updateObject: (next: ObjectMetadata) =>
        new Promise<number | undefined>((resolve, reject) => {
          pending.push({
            replicas: next.replicas,
            release: (ok) => {
              if (ok) [md, revision] = [next, revision + 1];
              resolve(ok ? revision : undefined);
            },
            fail: reject,
          });
        }),
    },
    onFenced: async () => undefined,
    onDropped: (o: FailoverLedger) => dropped.push(o.id),
  } as unknown as ReplicasDeps;
  const replicasOf = () => [...(obj[STATE].replicas ?? [])].sort();
  return { obj, replicas: new Replicas(deps), pending, records, dropped, retires, replicasOf, metadata: () => md };
}

/** Until the fake has a compare-and-set waiting. */
async function cas(pending: Pending[], count = 1): Promise<void> {
  while (pending.length < count) await new Promise((r) => setImmediate(r));
}

describe('replica changes: the state names every replica the metadata names', () => {
  it('a dropped holder stays in the state until the metadata no longer names it', async () => {
    const m = master(['a', 'b']);
    const done = m.replicas.forgetReplica(m.obj, 'a');
    await cas(m.pending);
    expect(m.replicasOf()).toEqual(['a', 'b']); // a write now is still pushed to a
    m.pending[0].release(true);
    await done;
    expect(m.metadata().replicas).toEqual(['b']);
    expect(m.replicasOf()).toEqual(['b']);
    expect(m.records.at(-1)).toEqual(['b']);
  });

  it('a new holder is in the state, and in the record a restart reads, before the metadata names it', async () => {
    const m = master(['a']);
    const done = m.replicas.changeReplicas(m.obj, () => ['b']);
    await cas(m.pending);
    expect(m.replicasOf()).toEqual(['a', 'b']);
    expect(m.records.at(-1)).toEqual(['a', 'b']);
    expect(m.pending[0].replicas).toEqual(['b']);
    m.pending[0].release(true);
    await done;
    expect(m.replicasOf()).toEqual(['b']);
    expect(m.records.at(-1)).toEqual(['b']);
  });

  it('a change whose metadata write may or may not have happened keeps both, and asks for a placement', async () => {
    const m = master(['a']);
    const done = m.replicas.changeReplicas(m.obj, () => ['b']);
    await cas(m.pending);
    m.pending[0].fail(new Error('the KV timed out')); // applied or not: a timeout does not say
    await expect(done).rejects.toThrow('the KV timed out');
    expect(m.replicasOf()).toEqual(['a', 'b']); // whichever the metadata names, writes reach it
    expect(m.dropped).toEqual([m.obj.id]);
  });

  it('two changes of one object run in turn, the second from the first one result', async () => {
    const m = master(['a', 'b']);
    const first = m.replicas.forgetReplica(m.obj, 'a');
    const second = m.replicas.addReplica(m.obj, 'c');
    await cas(m.pending);
    await new Promise((r) => setImmediate(r));
    expect(m.pending).toHaveLength(1); // the second waits for the first
    m.pending[0].release(true);
    await first;
    await cas(m.pending, 2);
    expect(m.pending[1].replicas).toEqual(['b', 'c']);
    m.pending[1].release(true);
    await second;
    expect(m.metadata().replicas).toEqual(['b', 'c']);
    expect(m.replicasOf()).toEqual(['b', 'c']);
  });

  it('a holder left out is told to drop its copy at a tick once it is live, and only then', async () => {
    const m = master(['a', 'b']);
    const done = m.replicas.forgetReplica(m.obj, 'a');
    await cas(m.pending);
    m.replicas.retireOwed(new Set(['a', 'b']));
    await new Promise((r) => setImmediate(r));
    expect(m.retires).toEqual([]); // the metadata still names it: its copy may still be promoted
    m.pending[0].release(true);
    await done;
    m.replicas.retireOwed(new Set(['b'])); // gone: it cannot hear it
    await new Promise((r) => setImmediate(r));
    expect(m.retires).toEqual([]);
    m.replicas.retireOwed(new Set(['a', 'b'])); // back
    await new Promise((r) => setImmediate(r));
    expect(m.retires).toEqual([['a', [m.obj.id]]]);
    m.replicas.retireOwed(new Set(['a', 'b']));
    await new Promise((r) => setImmediate(r));
    expect(m.retires).toHaveLength(1); // told once
  });

  it('no retire for a holder the object is placed on again before it is told', async () => {
    const m = master(['a', 'b']);
    const done = m.replicas.forgetReplica(m.obj, 'a');
    await cas(m.pending);
    m.pending[0].release(true);
    await done;
    await m.replicas.sendCopies('a', [m.obj]); // chosen again: its copy is wanted
    m.replicas.retireOwed(new Set(['a', 'b']));
    await new Promise((r) => setImmediate(r));
    expect(m.retires).toEqual([]);
  });

  it('no retire for a holder named again (replicate sends its own copies, then adds the replica)', async () => {
    const m = master(['a', 'b']);
    const gone = m.replicas.forgetReplica(m.obj, 'a');
    await cas(m.pending);
    m.pending[0].release(true);
    await gone;
    m.replicas.wanted('a', [m.obj.id]); // transfer-ops.ts replicate(), before it sends
    m.replicas.retireOwed(new Set(['a', 'b'])); // a tick while the copies are sent: nothing names a yet
    await new Promise((r) => setImmediate(r));
    expect(m.retires).toEqual([]);
    const back = m.replicas.addReplica(m.obj, 'a');
    await cas(m.pending, 2);
    m.pending[1].release(true);
    await back;
    m.replicas.retireOwed(new Set(['a', 'b']));
    await new Promise((r) => setImmediate(r));
    expect(m.retires).toEqual([]);
    expect(m.metadata().replicas).toEqual(['b', 'a']);
  });

  it('a debt added while a copy is being placed on that holder waits for the placement, and goes if it named it', async () => {
    const m = master(['a', 'b']);
    const placed = m.replicas.placing('a', [m.obj.id]); // a placement sent a copy to a; its change comes next
    const gone = m.replicas.forgetReplica(m.obj, 'a'); // a change beside it drops a
    await cas(m.pending);
    m.pending[0].release(true);
    await gone;
    m.replicas.retireOwed(new Set(['a', 'b']));
    await new Promise((r) => setImmediate(r));
    expect(m.retires).toEqual([]); // the copy just sent is wanted
    const named = m.replicas.addReplica(m.obj, 'a'); // the placement's change
    await cas(m.pending, 2);
    m.pending[1].release(true);
    await named;
    placed();
    m.replicas.retireOwed(new Set(['a', 'b']));
    await new Promise((r) => setImmediate(r));
    expect(m.retires).toEqual([]);
    expect(m.metadata().replicas).toEqual(['b', 'a']);
  });

  it('a debt that waited for a placement that did not name the holder is sent after it', async () => {
    const m = master(['a', 'b']);
    const placed = m.replicas.placing('a', [m.obj.id]);
    const gone = m.replicas.forgetReplica(m.obj, 'a');
    await cas(m.pending);
    m.pending[0].release(true);
    await gone;
    placed(); // its change failed
    m.replicas.retireOwed(new Set(['a', 'b']));
    await new Promise((r) => setImmediate(r));
    expect(m.retires).toEqual([['a', [m.obj.id]]]);
  });
});

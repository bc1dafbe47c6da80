// An object's end (docs/lifecycle.md): dcDelete and deleteById, recursive deletes, and garbage collection over three
// backends. A cluster of its own: a collection deletes whatever no alias reaches, which the shared cluster's other
// test files would not survive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AliasDoesNotExistError,
  BackendDrainingError,
  Client,
  DevCluster,
  DoesNotExistError,
} from '../../src/index.js';
import { Counter, Holder, Person } from '../models/index.js';
import { uniqueAlias, waitFor } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

let cluster: DevCluster;
let client: Client;

beforeAll(async () => {
  cluster = await DevCluster.start({ models: TEST_MODELS, backends: 3, namespace: 'lifecycle' });
  client = await new Client({ ...cluster.connectOptions, namespace: 'lifecycle', timeoutMs: 20_000 }).start();
});
afterAll(async () => {
  await client?.stop();
  await cluster?.stop();
});

const stored = async (backendId: string) => (await client.backend(backendId).stats()).stored;
/** kill -9 of a backend, then a new process on the same store, answering again. */
async function killAndRestart(id: string): Promise<void> {
  const backend = cluster.backend(id);
  await backend.kill();
  await backend.restart();
  await waitFor(() => stored(id).catch(() => undefined), { until: (n) => n !== undefined, what: `${id} back` });
}
const gone = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(DoesNotExistError);

async function persisted(name: string, backendId: string, alias?: string): Promise<Person> {
  const p = new Person(name, 1);
  await p.makePersistent({ backendId, alias });
  return p;
}

describe('dcDelete', () => {
  it('removes the object, its aliases and its record; every later use says it does not exist', async () => {
    const alias = uniqueAlias('doomed');
    const p = await persisted('doomed', 'backend-2', alias);
    await p.addAlias(`${alias}-2`);
    const before = await stored('backend-2');
    expect(await p.dcDelete()).toBe(1);
    expect(await stored('backend-2')).toBe(before - 1);
    await gone(p.dcGet('name'));
    await gone(p.addYear());
    await gone(p.dcSet('age', 3));
    await gone(Person.getById(p.id));
    await gone(p.move('backend-1'));
    await gone(p.dcDelete());
    await expect(Person.getByAlias(alias)).rejects.toBeInstanceOf(AliasDoesNotExistError);
    await expect(Person.getByAlias(`${alias}-2`)).rejects.toBeInstanceOf(AliasDoesNotExistError);
    // the alias is free again
    const q = await persisted('new', 'backend-1', alias);
    expect((await Person.getByAlias(alias)).id).toBe(q.id);
  });

  it('a reference another object holds decodes to a proxy that says so on use', async () => {
    const a = await persisted('a', 'backend-1');
    const b = await persisted('b', 'backend-3');
    await a.marry(b);
    expect(await a.spouseName()).toBe('b');
    await b.dcDelete();
    await expect(a.spouseName()).rejects.toThrow(/does not exist/i);
    expect(await a.dcGet('name')).toBe('a'); // the referrer is untouched
  });

  it('Cls.deleteById deletes by id; an unknown id is DoesNotExistError', async () => {
    const p = await persisted('by-id', 'backend-1');
    expect(await Person.deleteById(p.id)).toBe(1);
    await gone(Person.getById(p.id));
    await gone(Person.deleteById(p.id));
  });

  it('its replicas go too: no copy serves a read afterwards', async () => {
    const p = await persisted('replicated', 'backend-1');
    await p.newReplica('backend-2');
    await p.newReplica('backend-3');
    await p.dcDelete();
    // reads may go to any copy: each must say the object is gone
    for (let i = 0; i < 12; i++) await gone(p.dcGet('name'));
  });

  it('is durable: a restarted owner does not serve it again', async () => {
    const p = await persisted('durable', 'backend-3');
    await p.dcDelete();
    const before = await stored('backend-3');
    await killAndRestart('backend-3');
    expect(await stored('backend-3')).toBe(before);
    await gone(Person.getById(p.id));
  });

  it('an object that is not persistent cannot be deleted', async () => {
    await expect(new Person('loose', 1).dcDelete()).rejects.toThrow(/not registered|not persistent/i);
  });
});

describe('dcDelete({ recursive: true })', () => {
  it('deletes what the object alone reaches across backends, cycles included; what an alias reaches stays', async () => {
    // root(b1) → c1(b1), c2(b2) → c3(b3) → root (a cycle); c1 is also a friend of an aliased keeper(b3)
    const root = await persisted('root', 'backend-1');
    const c1 = await persisted('c1', 'backend-1');
    const c2 = await persisted('c2', 'backend-2');
    const c3 = await persisted('c3', 'backend-3');
    const keeper = await persisted('keeper', 'backend-3', uniqueAlias('keeper'));
    await root.dcSet('friends', [c1, c2]);
    await c2.dcSet('friends', [c3]);
    await c3.dcSet('friends', [root]);
    await keeper.dcSet('friends', [c1]);
    expect(await root.dcDelete({ recursive: true })).toBe(3);
    for (const p of [root, c2, c3]) await gone(p.dcGet('name'));
    expect(await c1.dcGet('name')).toBe('c1');
    expect(await keeper.dcGet('name')).toBe('keeper');
  });
});

describe('garbage collection', () => {
  it('a dry run lists what no alias reaches and deletes nothing; the collection deletes exactly that', async () => {
    // kept: R(b1, aliased) → A(b2) → B(b3) → R (a cycle), and K(b1) reached only from B on another backend
    const R = await persisted('R', 'backend-1', uniqueAlias('root'));
    const A = await persisted('A', 'backend-2');
    const B = await persisted('B', 'backend-3');
    const K = await persisted('K', 'backend-1');
    await R.dcSet('friends', [A]);
    await A.dcSet('friends', [B]);
    await B.dcSet('friends', [R, K]);
    // garbage: G1(b1) ↔ G2(b2) (a cycle), and G3(b3) referenced only from G2
    const G1 = await persisted('G1', 'backend-1');
    const G2 = await persisted('G2', 'backend-2');
    const G3 = await persisted('G3', 'backend-3');
    await G1.dcSet('friends', [G2]);
    await G2.dcSet('friends', [G1, G3]);
    const kept = [R, A, B, K];
    const garbage = [G1, G2, G3];

    const dry = await client.collectGarbage({ dryRun: true });
    for (const g of garbage) expect(dry.sample).toContain(g.id);
    for (const k of kept) expect(dry.sample).not.toContain(k.id);
    expect(dry.deleted).toBe(0);
    for (const [i, g] of garbage.entries()) expect(await g.dcGet('name')).toBe(`G${i + 1}`); // nothing deleted

    const real = await client.collectGarbage();
    expect(real.deleted).toBe(real.garbage);
    expect(real.garbage).toBeGreaterThanOrEqual(garbage.length);
    for (const g of garbage) await gone(g.dcGet('name'));
    expect(await Promise.all(kept.map((k) => k.dcGet('name')))).toEqual(['R', 'A', 'B', 'K']);
    const again = await client.collectGarbage({ dryRun: true });
    expect(again.garbage).toBe(0);
  });

  it('spares an object a call is running on', async () => {
    const busy = new Holder();
    await busy.makePersistent({ backendId: 'backend-2' });
    const call = busy.slowWrite(4_000);
    await waitFor(() => busy.peek(), { until: (n) => n === 1, what: 'the slow write running' });
    const report = await client.collectGarbage();
    expect(await call).toBe(2);
    expect(await busy.peek()).toBe(2);
    expect(report.sample).not.toContain(busy.id);
    // unreachable now that no call holds it: the next collection takes it
    await client.collectGarbage();
    await gone(busy.peek());
  });
});

describe('drain and rebalance', () => {
  it('drain moves every object off a backend under 64 calls in flight, losing no acknowledged write', {
    timeout: 120_000,
  }, async () => {
    await client.getBackends(); // the live backends known first: 300 persists do not each ask for them
    const counters = Array.from({ length: 300 }, () => new Counter());
    await Promise.all(counters.map((c) => c.makePersistent({ backendId: 'backend-3' })));
    const acked = new Map<string, number>(counters.map((c) => [c.id, 0]));
    let draining = true;
    let failed = 0;
    const worker = async () => {
      while (draining) {
        const c = counters[Math.floor(Math.random() * counters.length)];
        try {
          await c.increment();
          acked.set(c.id, acked.get(c.id)! + 1);
        } catch {
          failed++; // not acknowledged: it may or may not have happened, so it is not counted
        }
      }
    };
    const workers = Array.from({ length: 64 }, worker);
    await waitFor(async () => [...acked.values()].reduce((a, b) => a + b, 0), {
      until: (n) => n >= 200,
      what: 'the workload running',
    });
    const report = await client.backend('backend-3').drain();
    draining = false;
    await Promise.all(workers);
    expect(report.left).toBe(0);
    expect(report.moved).toBeGreaterThanOrEqual(300);
    expect(await stored('backend-3')).toBe(0);
    await expect(new Counter().makePersistent({ backendId: 'backend-3' })).rejects.toBeInstanceOf(BackendDrainingError);
    // every acknowledged increment is there (an unacknowledged one may be too: at most `failed` more)
    const counts = await Promise.all(counters.map((c) => c.dcGet('count')));
    const lost = counters.filter((c, i) => counts[i] < acked.get(c.id)!);
    expect(lost).toEqual([]);
    const extra = counters.reduce((n, c, i) => n + counts[i] - acked.get(c.id)!, 0);
    expect(extra).toBeLessThanOrEqual(failed);
    const owners = new Set(
      (await client.listObjects({ limit: 100_000 })).filter((o) => acked.has(o.id)).map((o) => o.master),
    );
    expect(owners.has('backend-3')).toBe(false);
    // nor does it get new replicas: a master choosing where a replica goes skips it (six tries: one would be chance)
    for (let i = 0; i < 6; i++) {
      const p = await persisted(`replicated-${i}`, 'backend-1');
      await p.newReplica();
      expect(p.replicaBackendIds).toEqual(['backend-2']);
    }
  });

  it('rebalance evens the objects per backend', { timeout: 120_000 }, async () => {
    // backend-3 comes back empty (a new process: not draining); the others hold everything
    await killAndRestart('backend-3');
    const moved: number[] = [];
    const report = await client.rebalance({ onProgress: (n) => moved.push(n) });
    expect(report.before['backend-3']).toBe(0);
    expect(report.moved).toBe(report.planned);
    expect(report.planned).toBeGreaterThan(0);
    expect(moved.at(-1)).toBe(report.moved);
    const after = Object.values(report.after);
    expect(Math.max(...after) - Math.min(...after)).toBeLessThanOrEqual(3);
  });
});

describe('periodic garbage collection', () => {
  it('a backend started with --gc-interval collects on its own; aliased objects stay', {
    timeout: 60_000,
  }, async () => {
    await using periodic = await DevCluster.start({
      models: TEST_MODELS,
      backends: 1,
      namespace: 'periodic-gc',
      backendArgs: ['--gc-interval', '1'],
    });
    // the active client while it lives: the objects below go to this cluster
    await using _own = await new Client({ ...periodic.connectOptions, namespace: 'periodic-gc' }).start();
    const kept = new Person('kept', 1);
    await kept.makePersistent({ alias: 'kept' });
    const loose = new Person('loose', 1);
    await loose.makePersistent();
    await waitFor(
      () =>
        loose.dcGet('name').then(
          () => false,
          (err) => err instanceof DoesNotExistError,
        ),
      {
        what: 'the unaliased object collected',
        timeoutMs: 30_000,
      },
    );
    expect(await kept.dcGet('name')).toBe('kept');
  });
});

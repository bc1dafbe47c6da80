// Many operations in flight, contexts that follow calls across backends, timeouts, cancellation, exclusivity.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AbortedError, Client, DevCluster, InvalidOptionError, TimeoutError } from '../../src/index.js';
import { Counter, Holder, Person } from '../models/index.js';
import { TEST_MODELS } from '../setup/models.js';
import { testClient, uniqueAlias, useClient, waitFor } from '../setup/helpers.js';

const shared = useClient();

describe('contexts', () => {
  it('the username and dataset reach the backend and follow nested calls to other backends', async () => {
    const a = new Counter();
    const b = new Counter();
    await a.makePersistent({ backendId: 'backend-1' });
    await b.makePersistent({ backendId: 'backend-3' });
    const username = shared.client.options.username; // the client's identity: a context cannot change it
    const seen = await shared.client.run({ dataset: 'ds-ctx' }, () => a.whoAmI(b));
    expect(seen).toEqual([
      { username, dataset: 'ds-ctx' },
      { username, dataset: 'ds-ctx' },
    ]);
    expect(await a.whoAmI()).toEqual([{ username, dataset: 'admin' }]);
    expect(() => shared.client.run({ username: 'alice' }, () => a.whoAmI())).toThrow(InvalidOptionError);
  });

  it("concurrent tasks in different datasets never see each other's aliases", async () => {
    const alias = uniqueAlias();
    const datasets = ['ds-t1', 'ds-t2', 'ds-t3', 'ds-t4'];
    let persisted = 0;
    let allPersisted!: () => void;
    const everyAliasExists = new Promise<void>((resolve) => (allPersisted = resolve));
    const task = (dataset: string) =>
      shared.client.run({ dataset }, async () => {
        const p = new Person(dataset, 1);
        await p.makePersistent({ alias });
        if (++persisted === datasets.length) allPersisted();
        await everyAliasExists; // each looks up once all four datasets have the alias
        return (await Person.getByAlias(alias)) === p;
      });
    expect(await Promise.all(datasets.map(task))).toEqual([true, true, true, true]);
  });

  it('two racing getByAlias give the same instance', async () => {
    const alias = uniqueAlias();
    const p = new Person('Raced', 1);
    await p.makePersistent({ alias });
    await shared.client.stop();
    shared.client = await testClient();
    const [x, y] = await Promise.all([Person.getByAlias(alias), Person.getByAlias(alias)]);
    expect(x).toBe(y);
  });

  it('1,000 dcSet and alias operations in flight', async () => {
    const people = Array.from({ length: 50 }, (_, i) => new Person(`S${i}`, 0));
    await Promise.all(people.map((p) => p.makePersistent()));
    await Promise.all(Array.from({ length: 1000 }, (_, i) => people[i % 50].dcSet('age', i)));
    const ages = await Promise.all(people.map((p) => p.dcGet('age')));
    ages.forEach((age, i) => expect(age % 50).toBe(i)); // the last write of each person is one of its own
    const prefix = uniqueAlias('bulk');
    await Promise.all(Array.from({ length: 1000 }, (_, i) => people[i % 50].addAlias(`${prefix}-${i}`)));
    expect((await people[7].getAliases()).size).toBe(20);
  });
});

describe('timeouts and cancellation', () => {
  it('a per-context timeout and an AbortSignal end a call with typed errors', async () => {
    const p = new Person('Waiter', 1);
    await p.makePersistent();
    // calls that take longer than their context allows, deliberately (sleep: a model method that waits)
    const timedOut = await shared.client.run({ timeoutMs: 100 }, () => p.sleep(2_000)).catch((e) => e);
    expect(timedOut).toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    const started = Date.now();
    const pending = shared.client.run({ signal: controller.signal }, () => p.sleep(2_000));
    // deliberately a moment after the call left, while it runs (a signal aborted before the call: the case below)
    setTimeout(() => controller.abort(new Error('user gave up')), 50);
    const aborted = await pending.catch((e) => e);
    expect(aborted).toBeInstanceOf(AbortedError);
    // the errors name what was called and where, not the NATS subject
    expect(timedOut.data.operation).toBe(`Person.sleep() on ${p.backendId}`);
    expect(aborted.data.operation).toBe(`Person.sleep() on ${p.backendId}`);
    expect(aborted.cause).toEqual(new Error('user gave up'));
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(shared.client.run({ signal: AbortSignal.abort() }, () => p.addYear())).rejects.toBeInstanceOf(
      AbortedError,
    );
  });

  it('one AbortSignal over 2,000 calls in flight: one listener, no warning, every call aborted', async () => {
    const p = new Person('Many', 1);
    await p.makePersistent();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const done = new AbortController();
      let most = 0;
      const calls = shared.client.run({ signal: done.signal }, () =>
        Promise.all(Array.from({ length: 2_000 }, () => p.sleep(1))),
      );
      const sample = waitFor(() => (most = Math.max(most, getEventListeners(done.signal, 'abort').length)), {
        until: () => settled,
        intervalMs: 0,
      });
      let settled = false;
      await calls.finally(() => (settled = true));
      await sample;
      expect(most).toBe(1);
      expect(getEventListeners(done.signal, 'abort')).toHaveLength(0); // gone with the last request

      const controller = new AbortController();
      const pending = shared.client.run({ signal: controller.signal }, () =>
        Array.from({ length: 2_000 }, () => p.sleep(2_000).catch((e) => e)),
      );
      await waitFor(() => getEventListeners(controller.signal, 'abort').length, { intervalMs: 0 });
      controller.abort();
      const results = await Promise.all(pending);
      expect(results.filter((r) => r instanceof AbortedError)).toHaveLength(2_000);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      await new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted on a later tick
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a call whose backend dies mid-call rejects within its timeout, never hangs', async () => {
    await using cluster = await DevCluster.start({ models: TEST_MODELS, backends: 1, namespace: 'midcall' });
    await using c = await new Client({ ...cluster.connectOptions, namespace: 'midcall', timeoutMs: 1_500 }).start();
    const h = new Holder();
    await h.makePersistent();
    const started = Date.now();
    const pending = h.slowWrite(5_000).catch((e) => e);
    await waitFor(() => h.peek(), { until: (n) => n === 1, what: 'the write under way' }); // mid-call: kill now
    await cluster.backend('backend-1').kill();
    const err = await pending;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(c.isActive).toBe(true);
  });
});

describe('exclusive methods', () => {
  it('serialize concurrent calls on one object: no lost update (the plain method loses some)', async () => {
    const c = new Counter();
    await c.makePersistent({ backendId: 'backend-2' });
    await Promise.all(Array.from({ length: 50 }, () => c.increment()));
    expect(await c.dcGet('count')).toBe(50);
    const racy = new Counter();
    await racy.makePersistent({ backendId: 'backend-2' });
    await Promise.all(Array.from({ length: 50 }, () => racy.racyIncrement()));
    expect(await racy.dcGet('count')).toBeLessThan(50);
  });

  it('a call cycle through exclusive methods (A → B → A ...) completes: the chain re-enters', async () => {
    const a = new Counter();
    const b = new Counter();
    await a.makePersistent({ backendId: 'backend-1' });
    await b.makePersistent({ backendId: 'backend-2' });
    expect(await a.pingPong(b, 5)).toBe(3);
    expect(await b.dcGet('count')).toBe(3);
  });

  it('also on local objects', async () => {
    const c = new Counter();
    await Promise.all(Array.from({ length: 20 }, () => c.increment()));
    expect(c.count).toBe(20);
  });
});

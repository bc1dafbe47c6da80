// Backends keep their objects on disk: restarts, kill -9 with acknowledged mutations, eviction under a budget, the
// store's view of records being written and removed.
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DevCluster, DoesNotExistError } from '../../src/index.js';
import { encode, inboxPrefix, MetadataStore, ObjectStore, readReply } from '../../src/internal.js';
import { encodeState } from '../../src/serialization/codec.js';
import { Chain, Fragile, Ledger, Person } from '../models/index.js';
import { natsProfile, tempDir, waitFor } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

let cluster: DevCluster;
let client: Client;

beforeAll(async () => {
  cluster = await DevCluster.start({
    models: TEST_MODELS,
    backends: 2,
    namespace: 'durable',
    backendArgs: ['--max-objects', '20'],
    ...natsProfile(),
  });
  client = await new Client({ ...cluster.connectOptions, namespace: 'durable', timeoutMs: 5_000 }).start();
});
afterAll(async () => {
  await client?.stop();
  await cluster?.stop();
});

describe('restart', () => {
  it('a restarted backend serves all its objects again, references intact', async () => {
    const ann = new Person('Ann', 30);
    const bob = new Person('Bob', 31);
    ann.spouse = bob;
    bob.friends = [ann];
    await ann.makePersistent({ backendId: 'backend-1', alias: 'durable-ann' });
    await ann.addYear();
    await bob.dcSet('name', 'Robert');
    await cluster.backend('backend-1').restart();
    expect(await ann.dcGet('age')).toBe(31);
    expect(await ann.spouseName()).toBe('Robert');
    expect(await bob.friendNames()).toEqual(['Ann']);
    expect(await Person.getByAlias('durable-ann')).toBe(ann);
  });
});

describe('kill -9', () => {
  it('loses no acknowledged mutation: 10,000 acknowledged, a SIGKILL at a random point among them', async () => {
    const ledgers = Array.from({ length: 50 }, () => new Ledger());
    for (const l of ledgers) await l.makePersistent({ backendId: 'backend-2' });
    const acked = new Map<Ledger, string[]>(ledgers.map((l) => [l, []]));
    const total = 10_000;
    const killAt = 2_000 + Math.floor(Math.random() * 6_000);
    let ackedCount = 0;
    let sent = 0;
    let restarted: Promise<void> | undefined;
    const worker = async () => {
      while (ackedCount < total) {
        const n = sent++;
        const ledger = ledgers[n % ledgers.length];
        if (n === killAt) {
          restarted = cluster
            .backend('backend-2')
            .kill()
            .then(() => cluster.backend('backend-2').start());
        }
        try {
          await ledger.record(`t${n}`);
          acked.get(ledger)!.push(`t${n}`);
          ackedCount++;
        } catch {
          if (!restarted) throw new Error(`mutation ${n} failed before the kill`);
          await restarted; // unacknowledged: it may or may not be there; go on once the backend is back
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(restarted).toBeDefined();
    expect(ackedCount).toBeGreaterThanOrEqual(total);
    let lost = 0;
    for (const [ledger, tokens] of acked) {
      const stored = new Set(await ledger.dcGet('entries'));
      lost += tokens.filter((t) => !stored.has(t)).length;
    }
    expect(lost).toBe(0);
  }, 180_000);
});

describe("a version consolidated on its original's backend", () => {
  it("the original's adopted state survives a kill -9 right after the consolidation's reply", async () => {
    const original = new Ledger();
    await original.makePersistent({ backendId: 'backend-1' });
    await original.record('before');
    const version = await original.newVersion(); // on the original's master: adopted in that process
    await version.record('v1');
    await version.record('v2');
    await version.consolidateVersion();
    await cluster.backend('backend-1').kill();
    await cluster.backend('backend-1').start();
    expect(await original.dcGet('entries')).toEqual(['before', 'v1', 'v2']);
    expect(await version.dcGet('entries')).toEqual(['before', 'v1', 'v2']); // forwards to the original
  }, 60_000);
});

describe('a move cut short at the source by a crash', () => {
  it("a kill -9 of the source right after the move's reply: the restart drops its record, the target serves the object", async () => {
    const person = new Person('Moved', 1);
    await person.makePersistent({ backendId: 'backend-1' });
    await person.move('backend-2');
    const replied = Date.now();
    // the source's record goes with its next write, or a second later: killed before either, it is still on its disk
    await cluster.backend('backend-1').kill();
    const killedInTime = Date.now() - replied < 800; // a loaded machine may be slower: the record has gone then
    await person.dcSet('age', 2); // written on the target while the source is down
    await cluster.backend('backend-1').start();
    if (killedInTime)
      await waitFor(() => cluster.backend('backend-1').logTail(), {
        until: (log) => log.includes('removed records a crash left behind after they had moved away'),
        what: "the restarted source's settling of the move",
      });
    expect((await client.getObjectMetadata(person.id)).master).toBe('backend-2');
    await cluster.backend('backend-1').stop(); // its store, read from here
    const store = ObjectStore.open(cluster.backend('backend-1').options.storage);
    const kept = store.has(person.id);
    await store.close();
    await cluster.backend('backend-1').start();
    expect(kept).toBe(false);
    expect(await person.dcGet('age')).toBe(2);
  }, 60_000);
});

describe('creates cut by a crash', () => {
  it('kill -9 among 2,000 creates in flight: every acknowledged one is served, no metadata names a missing one', async () => {
    const people = Array.from({ length: 2_000 }, (_, i) => new Person(`p${i}`, i));
    const acked: number[] = [];
    const killAt = 200 + Math.floor(Math.random() * 1_000);
    let killed: Promise<void> | undefined;
    let n = 0;
    const worker = async () => {
      while (n < people.length) {
        const i = n++;
        if (i === killAt) killed = cluster.backend('backend-2').kill();
        try {
          await people[i].makePersistent({ backendId: 'backend-2' });
          acked.push(i);
        } catch {
          // not acknowledged: it may exist or not, but never half
        }
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    expect(killed).toBeDefined();
    await killed;
    await cluster.backend('backend-2').start();
    for (const i of acked) expect(await people[i].dcGet('name')).toBe(`p${i}`);
    const ours = new Set(people.map((p) => p.id));
    let listed = 0;
    for await (const md of client.objects({ backendId: 'backend-2', className: people[0].className })) {
      if (!ours.has(md.id)) continue;
      listed++;
      expect(await (await Person.getById(md.id)).dcGet('age')).toBeTypeOf('number'); // every record is served
    }
    expect(listed).toBeGreaterThanOrEqual(acked.length);
  }, 180_000);

  it('metadata that reached JetStream before its records reached the disk is removed at the next start', async () => {
    const kept = new Person('Kept', 1);
    await kept.makePersistent({ backendId: 'backend-1' });
    await cluster.backend('backend-1').kill(); // no clean stop: the next start looks at what was written since
    // what a crash between the metadata's write and the records' sync leaves: metadata naming backend-1, no record
    // (written as a backend writes it, with backend-2's identity)
    const nc = await connect({ ...cluster.connectOptionsFor('backend-2'), inboxPrefix: inboxPrefix('backend-2') });
    const store = await MetadataStore.open(nc, 'durable');
    try {
      const md = (await store.getObject(kept.id))!;
      const cut = randomUUID();
      await store.createObject({ ...md, id: cut });
      await cluster.backend('backend-1').start();
      expect(await store.getObject(cut)).toBeUndefined();
      await expect(Person.getById(cut)).rejects.toBeInstanceOf(DoesNotExistError);
      expect(await store.getObject(kept.id)).toEqual(md);
      expect(await kept.dcGet('name')).toBe('Kept');
    } finally {
      if (cluster.backend('backend-1').pid === undefined) await cluster.backend('backend-1').start();
      store.close();
      await nc.close();
    }
  });
});

describe('persists of one request (persistEach)', () => {
  it('a kill -9 right after the reply keeps the graphs it acknowledged, beside one it refused', async () => {
    const elsewhere = new Person('Elsewhere', 40);
    await elsewhere.makePersistent({ backendId: 'backend-2' });
    const { username, dataset } = client.options;
    const as = cluster.connectOptions;
    const nc = await connect({ ...as, inboxPrefix: inboxPrefix(as.user ?? username) });
    const good = randomUUID();
    const className = elsewhere.className;
    const state = (name: string) =>
      encodeState({ name, age: 7, spouse: null, friends: [], tags: new Set(), scores: new Map() });
    try {
      const msg = await nc.request(
        `dc.durable.u.${as.user ?? username}.be.backend-1.persistEach`,
        encode([
          [username, dataset],
          [[[good, className, state('Good')]], [[elsewhere.id, className, state('Forged')]]],
        ]),
        { timeout: 10_000 },
      );
      const outcomes = readReply<({ name: string } | null)[]>(msg.data);
      expect(outcomes.map((o) => o?.name ?? null)).toEqual([null, 'AlreadyPersistentError']);
    } finally {
      await nc.close();
    }
    // at once, before the finished registration's intent is gone from the store (it goes with the next write, or
    // after a second): a restart that settled it with the refused graph's would undo the acknowledged one
    await cluster.backend('backend-1').kill();
    await cluster.backend('backend-1').start();
    expect(await (await Person.getById(good)).dcGet('name')).toBe('Good');
    expect((await client.getObjectMetadata(elsewhere.id)).master).toBe('backend-2');
    expect(await elsewhere.dcGet('name')).toBe('Elsewhere');
  });
});

describe('objects constructed by active methods', () => {
  it('are persistent once their constructor finished, and never when it threw', async () => {
    const f = new Fragile(1);
    await f.makePersistent({ backendId: 'backend-1' });
    const before = (await client.backend('backend-1').stats()).stored;
    expect(await f.spawn(-1)).toBe('negative');
    expect((await client.backend('backend-1').stats()).stored).toBe(before);
    const child = (await f.spawn(5)) as Fragile;
    expect(child.isRegistered).toBe(true);
    expect(await child.dcGet('value')).toBe(5);
    expect((await client.backend('backend-1').stats()).stored).toBe(before + 1);
  });
});

describe('memory budget', () => {
  it('evicts beyond the budget and reloads transparently, through references too', async () => {
    let head: Chain | null = null;
    for (let i = 1; i <= 100; i++) head = new Chain(i, head);
    await head!.makePersistent({ backendId: 'backend-1' });
    expect(await head!.sum()).toBe(5050);
    await head!.bumpAll(1);
    expect(await head!.sum()).toBe(5150);
    const stats = await client.backend('backend-1').stats();
    expect(stats.loaded).toBeLessThanOrEqual(20);
    expect(stats.stored).toBeGreaterThanOrEqual(100);
    // a link in the middle, asked directly: loaded again from the store
    let link = head!;
    for (let i = 0; i < 50; i++) link = (await link.dcGet('next'))!;
    expect(await link.dcGet('value')).toBe(51);
  });

  it('flushAll saves and unloads everything; objects reload on next use', async () => {
    const p = new Person('Flushed', 5);
    await p.makePersistent({ backendId: 'backend-1' });
    const { saved } = await client.backend('backend-1').flushAll();
    expect(saved).toBeGreaterThan(0);
    expect((await client.backend('backend-1').stats()).loaded).toBe(0);
    expect(await p.addYear()).toBe(6);
    expect((await client.backend('backend-1').stats()).loaded).toBe(1);
  });
});

describe('the store', () => {
  it('a record removed again stays hidden while the second remove is pending', async () => {
    const store = ObjectStore.open(tempDir('store'));
    const id = 'x';
    await store.put(id, new Uint8Array([1]));
    const r1 = store.remove(id);
    const p = store.put(id, new Uint8Array([2]));
    await nextTurn(); // lmdb batches one event-loop turn's writes in a transaction: the second remove commits later
    const r2 = store.remove(id);
    await r1;
    const visible = store.has(id);
    await Promise.all([p, r2]);
    await store.close();
    expect(visible).toBe(false);
  });
});

// makePersistent calls of one event-loop turn to one backend go in one `persistEach` request, written in one commit
// (docs/performance.md), and each call keeps its own outcome: a graph the backend refuses fails only its own call.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlreadyPersistentError, ClassNotFoundError, type Client, DoesNotExistError } from '../../src/index.js';
import { classInfoByName, encode } from '../../src/internal.js';
import { newProxy } from '../../src/object/lifecycle.js';
import { encodeState } from '../../src/serialization/codec.js';
import { STATE } from '../../src/object/state.js';
import { Person } from '../models/index.js';
import { adminClient, rawRequest, testClient } from '../setup/helpers.js';

describe('persists of one turn', () => {
  let client: Client;
  beforeAll(async () => {
    client = await testClient();
  });
  afterAll(() => client.stop());

  it('go to their backend in one request, and every object is persistent with its own state', async () => {
    await using admin = await adminClient(); // lifecycle events are an operator's
    const backend = admin.backend('backend-2');
    const { next } = await backend.events();
    const people = Array.from({ length: 40 }, (_, i) => new Person(`batched-${i}`, i));
    await Promise.all(people.map((p) => p.makePersistent({ backendId: 'backend-2' })));
    const persisted = (await backend.events(next)).events.filter((e) => e.kind === 'persist');
    // one registration of all of them: one event counting 40 objects (one request each would note 40 events)
    expect(persisted.map((e) => e.count)).toEqual([40]);
    const fresh = await testClient();
    try {
      for (const [i, p] of people.entries()) {
        const found = await Person.getById(p.id);
        expect(await found.dcGet('name')).toBe(`batched-${i}`);
      }
    } finally {
      await fresh.stop();
    }
  });

  it('a call alone still goes as a plain persist, and one with an alias too', async () => {
    const p = new Person('alone', 1);
    await p.makePersistent({ backendId: 'backend-1' });
    const q = new Person('aliased', 2);
    const r = new Person('beside it', 3);
    const alias = `batch-${randomUUID()}`;
    await Promise.all([
      q.makePersistent({ backendId: 'backend-1', alias }),
      r.makePersistent({ backendId: 'backend-1' }),
    ]);
    expect(await p.addYear()).toBe(2);
    expect((await Person.getByAlias(alias)).id).toBe(q.id);
    expect(await r.dcGet('name')).toBe('beside it');
  });
});

describe('a persistEach request', () => {
  it('refuses a bad graph alone: the others are persistent, and an object that exists elsewhere is untouched', async () => {
    await using client = await testClient();
    const existing = new Person('existing', 30);
    await existing.makePersistent({ backendId: 'backend-1' });
    const className = existing[STATE].info.name;
    const state = (name: string) =>
      encodeState({ name, age: 5, spouse: null, friends: [], tags: new Set(), scores: new Map() });
    const good = randomUUID();
    const alsoGood = randomUUID();
    const s = ['user', 'admin'];
    const reply = (await rawRequest(
      'dc.default.u.user.be.backend-3.persistEach',
      encode([
        s,
        [
          [[good, className, state('good')]],
          [[randomUUID(), 'no/such.Class', encode({})]],
          [[existing.id, className, state('forged')]],
          [[alsoGood, className, state('also good')]],
        ],
      ]),
    )) as ({ name: string } | null)[];
    expect(reply.map((r) => r?.name ?? null)).toEqual([
      null,
      ClassNotFoundError.name,
      AlreadyPersistentError.name,
      null,
    ]);
    expect(await (await Person.getById(good)).dcGet('name')).toBe('good');
    expect(await (await Person.getById(alsoGood)).dcGet('name')).toBe('also good');
    expect((await client.getObjectMetadata(existing.id)).master).toBe('backend-1');
    expect(await existing.dcGet('name')).toBe('existing');
    expect(await existing.addYear()).toBe(31);
  });

  it('refuses a graph that references an object of another graph of the request (each is registered alone)', async () => {
    await using _client = await testClient();
    const info = classInfoByName(new Person('x', 1)[STATE].info.name);
    const a = randomUUID();
    const b = randomUUID();
    const s = ['user', 'admin'];
    const person = (name: string, spouse: unknown) =>
      encodeState({ name, age: 1, spouse, friends: [], tags: new Set(), scores: new Map() });
    const reply = (await rawRequest(
      'dc.default.u.user.be.backend-3.persistEach',
      encode([
        s,
        [[[a, info.name, person('first', null)]], [[b, info.name, person('second', newProxy(info, a, 'backend-3'))]]],
      ]),
    )) as ({ name: string; message: string } | null)[];
    expect(reply[0]).toBeNull();
    expect(reply[1]).toMatchObject({ name: 'ProtocolError' });
    expect(reply[1]?.message).toMatch(/another graph/);
    expect(await (await Person.getById(a)).dcGet('name')).toBe('first');
    await expect(Person.getById(b).then((p) => p.dcGet('name'))).rejects.toBeInstanceOf(DoesNotExistError);
  });

  it('refuses an object sent twice in one request, and keeps serving', async () => {
    await using _client = await testClient();
    const id = randomUUID();
    const s = ['user', 'admin'];
    const record = [id, new Person('x', 1)[STATE].info.name, encodeState({ name: 'twice', age: 1 })];
    const reply = (await rawRequest(
      'dc.default.u.user.be.backend-3.persistEach',
      encode([s, [[record], [record]]]),
    )) as ({
      name: string;
    } | null)[];
    expect(reply.map((r) => r?.name ?? null)).toEqual([null, 'ProtocolError']);
    expect(await (await Person.getById(id)).dcGet('name')).toBe('twice');
  });
});

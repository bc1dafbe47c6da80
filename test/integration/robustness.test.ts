// Bad input gets a typed error and the backend keeps serving; a backend gone is a typed error, not a hang.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  Client,
  ClassNotFoundError,
  DataClayError,
  DevCluster,
  MethodNotFoundError,
  PayloadTooLargeError,
  ProtocolError,
  RemoteError,
} from '../../src/index.js';
import { encode } from '../../src/internal.js';
import { Holder, Person } from '../models/index.js';
import { TEST_MODELS } from '../setup/models.js';
import { adminClient, rawRequest, testClient, waitFor } from '../setup/helpers.js';

describe('bad requests', () => {
  let client: Client;
  beforeAll(async () => {
    client = await testClient();
  });
  afterAll(() => client.stop());

  it('answers malformed, unknown and ill-typed requests with typed errors, then keeps serving', async () => {
    const p = new Person('Survivor', 1);
    await p.makePersistent({ backendId: 'backend-1' });
    const s = ['user', 'admin'];
    const be = (op: string) => `dc.default.u.user.be.backend-1.${op}`;
    await expect(rawRequest(be('call'), new Uint8Array([0xc1, 0xff, 0x00]))).rejects.toBeInstanceOf(ProtocolError);
    await expect(rawRequest(be('call'), encode([s, p.id, 'addYear', 'not-an-array']))).rejects.toBeInstanceOf(
      ProtocolError,
    );
    await expect(rawRequest(be('call'), encode([s, p.id, 'constructor', []]))).rejects.toBeInstanceOf(
      MethodNotFoundError,
    );
    await expect(rawRequest(be('frobnicate'), encode({ s }))).rejects.toThrow(/unknown operation 'frobnicate'/);
    const unknownClass = [s, [['x', 'no/such.Class', encode({})]]];
    await expect(rawRequest(be('persist'), encode(unknownClass))).rejects.toBeInstanceOf(ClassNotFoundError);
    await expect(rawRequest('dc.default.u.user.md.object', new Uint8Array([1, 2, 3]))).rejects.toBeInstanceOf(
      DataClayError,
    );
    expect(await p.addYear()).toBe(2);
  });
});

describe('odd exceptions from user code', () => {
  it('arrive as RemoteError, and the backend survives them', async () => {
    await using client = await adminClient(); // stats is an operator's
    const p = new Person('Odd', 1);
    await p.makePersistent({ backendId: 'backend-2' });
    const nullProto = await p.throwOdd('null-proto').catch((e) => e);
    expect(nullProto).toBeInstanceOf(RemoteError);
    expect(nullProto.remoteMessage).toBe('[object Object]');
    const str = await p.throwOdd('string').catch((e) => e);
    expect(str).toBeInstanceOf(RemoteError);
    expect(str.remoteMessage).toBe('plain string');
    expect((await client.backend('backend-2').stats()).id).toBe('backend-2');
    expect(await p.addYear()).toBe(2);
  });
});

describe('payloads above the NATS max_payload', () => {
  it('travel in parts both ways (docs/large-objects.md), and the backend keeps serving', async () => {
    await using _client = await testClient();
    const p = new Person('Big', 1);
    await p.makePersistent({ backendId: 'backend-3' });
    const big = new Uint8Array(2 * 1024 * 1024).map((_, i) => i % 251);
    expect(Buffer.from(await p.echo(big)).equals(big)).toBe(true); // (toEqual on 2 MB of bytes takes seconds)
    expect(await p.blob(2 * 1024 * 1024)).toHaveLength(2 * 1024 * 1024);
    expect(await p.blob(1000)).toHaveLength(1000);
    expect(await p.addYear()).toBe(2);
  });

  it('a metadata request stays one message: above max_payload it is refused with PayloadTooLargeError', async () => {
    await using client = await testClient();
    // a class name has no limit of its own (an alias has: it must fit a key, and is refused before it is sent)
    const err = await client.getClassInfo(`m.${'a'.repeat(2 * 1024 * 1024)}`).catch((e) => e);
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect(err.data.size).toBeGreaterThan(err.data.maxPayload);
    expect(client.isActive).toBe(true);
  });
});

describe('a backend gone away', () => {
  it('gives BackendUnavailableError, promptly, for objects it held', async () => {
    await using cluster = await DevCluster.start({ models: TEST_MODELS, backends: 2, namespace: 'gone' });
    await using client = await new Client({ ...cluster.connectOptions, namespace: 'gone', timeoutMs: 5_000 }).start();
    const p = new Person('Orphan', 1);
    await p.makePersistent({ backendId: 'backend-2' });
    const probe = new Person('Probe', 1);
    await probe.makePersistent({ backendId: 'backend-2' });
    await cluster.backend('backend-2').kill();
    // gone for NATS too: the server drops a killed process's subscriptions once it reads the closed socket, on its
    // own time; a request delivered to the dead one before that can only time out
    await waitFor(() => client.run({ timeoutMs: 300 }, () => probe.dcGet('name')).catch((e: unknown) => e), {
      until: (e) => e instanceof BackendUnavailableError,
      what: 'NATS to drop the killed backend',
    });
    const started = Date.now();
    const err = await p.addYear().catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.data.backendId).toBe('backend-2');
    expect(Date.now() - started).toBeLessThan(5_000);
    // the survivor serves new objects
    const q = new Person('Alive', 1);
    await q.makePersistent({ backendId: 'backend-1' });
    expect(await q.addYear()).toBe(2);
  });

  it('a clean stop answers the requests in flight first', async () => {
    await using cluster = await DevCluster.start({ models: TEST_MODELS, backends: 1, namespace: 'graceful' });
    await using _client = await new Client({
      ...cluster.connectOptions,
      namespace: 'graceful',
      timeoutMs: 5_000,
    }).start();
    const h = new Holder();
    await h.makePersistent();
    const write = h.slowWrite(800);
    await waitFor(() => h.peek(), { until: (n) => n === 1, what: 'the write under way' }); // in flight: stop now
    const stopping = cluster.backend('backend-1').stop();
    expect(await write).toBe(2);
    await stopping;
  });

  it('a second backend with the same id, or on the same storage, refuses to start', async () => {
    await using cluster = await DevCluster.start({ models: TEST_MODELS, backends: 1, namespace: 'dupes' });
    const { Backend } = await import('../../src/backend/backend.js');
    const { BackendProcess } = await import('../../src/dev/backend-process.js');
    const original = cluster.backend('backend-1').options;
    const sameId = new BackendProcess({
      ...original,
      storage: `${original.storage}-other`,
      logFile: `${original.logFile}.dup`,
    });
    await expect(sameId.start(60_000)).rejects.toThrow(/already running/); // it refuses; a loaded machine starts slowly
    await expect(
      Backend.start({ ...cluster.connectOptions, models: [], storage: original.storage, namespace: 'dupes' }),
    ).rejects.toThrow(/is in use by process/);
  });
});

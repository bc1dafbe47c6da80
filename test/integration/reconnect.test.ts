// Requests in flight when the connection to NATS drops: an idempotent one is asked again once after the reconnect,
// within its deadline; another fails at once with OutcomeUnknownError. A nats-server of its own, restarted here;
// the "backend" is the test's own responder, which ignores the first request it gets.
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DevCluster, OutcomeUnknownError } from '../../src/index.js';
import { classInfoByName, connectNats, encodeOk, newProxy } from '../../src/internal.js';
import { Counter } from '../models/index.js';
import { waitFor } from '../setup/helpers.js';

const namespace = 'reconnect';
let cluster: DevCluster;
let client: Client;
let responder: NatsConnection;
const received: string[] = [];

beforeAll(async () => {
  cluster = await DevCluster.start({ models: [], backends: 0, namespace, insecure: true });
  // a long default timeout: a request that waited it out would fail the test by the test's own time limit
  client = await new Client({ ...cluster.connectOptions, namespace, timeoutMs: 300_000 }).start();
  responder = await connectNats(cluster.natsUrl, 'fake-backend');
  responder.subscribe(`dc.${namespace}.*.*.be.fake.*`, {
    callback: (_err, msg) => {
      const op = msg.subject.split('.').pop()!;
      received.push(op);
      // the first of each operation is left unanswered: its reply is "lost" with the connection
      if (received.filter((o) => o === op).length > 1) msg.respond(encodeOk(42));
    },
  });
  await responder.flush();
});
afterAll(async () => {
  await client?.stop();
  await responder?.close();
  await cluster?.stop();
});

const fakeCounter = () => newProxy(classInfoByName(new Counter().className), randomUUID(), 'fake') as Counter;

async function restartNatsWhen(op: string): Promise<void> {
  await waitFor(() => received.includes(op), { what: `the responder got ${op}` });
  await cluster.nats.stop();
  await cluster.nats.launch();
}

/** Resolves when the responder has reconnected (and so subscribed again). */
async function responderReconnected(): Promise<void> {
  for await (const status of responder.status()) if (status.type === 'reconnect') return;
}

describe('a connection lost with requests in flight', () => {
  it('an idempotent request (dcGet) is sent again after the reconnect and answered', { timeout: 60_000 }, async () => {
    const reading = fakeCounter().dcGet('count');
    const back = responderReconnected();
    await restartNatsWhen('get');
    expect(await reading).toBe(42);
    expect(received.filter((o) => o === 'get')).toHaveLength(2);
    await back; // the next test needs its responder
  });

  it('another (an active method call) fails at once with OutcomeUnknownError', { timeout: 60_000 }, async () => {
    const calling = fakeCounter()
      .increment()
      .catch((err) => err);
    const back = responderReconnected();
    await restartNatsWhen('call');
    const err = await calling;
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.data).toEqual({ operation: 'call', idempotent: false });
    expect(received.filter((o) => o === 'call')).toHaveLength(1); // not sent again
    await back;
  });
});

// A serving subscription (messaging/rpc.ts) whose error report itself throws: the caller still gets its error
// reply, the process no unhandled rejection, and the subscription keeps answering. Against the run's nats-server,
// served as the spare backend identity on a backend id of its own.
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { ProtocolError } from '../../src/index.js';
import { encodeOk } from '../../src/messaging/envelope.js';
import { serve, type Server } from '../../src/messaging/rpc.js';
import { rawRequest } from '../setup/helpers.js';

const ID = 'serve-reports';
let server: Server | undefined;
let close: (() => Promise<void>) | undefined;
const reported: unknown[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  const { servers, user, pass } = inject('natsBackend');
  const nc = await connect({ servers, user, pass });
  close = () => nc.close();
  const handler = async (data: Uint8Array) => {
    if (data[0] === 0) throw new ProtocolError('refused on purpose');
    return encodeOk('served');
  };
  const onError = (err: unknown) => {
    reported.push(err);
    throw new Error('the report failed'); // a logger that throws
  };
  server = serve(nc, `dc.default.*.*.be.${ID}.>`, handler, { onError });
  await nc.flush(); // the subscription is on the server before the first request
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await server?.close(1_000);
  await close?.();
});

describe('a serving subscription whose error report throws', () => {
  it('answers the failed request with its error, raises no unhandled rejection, and keeps serving', async () => {
    const subject = `dc.default.u.user.be.${ID}.call`;
    await expect(rawRequest(subject, new Uint8Array([0]))).rejects.toThrow(/refused on purpose/);
    expect(reported).toHaveLength(1);
    // an unhandled rejection is raised once the microtasks of the failed request have run: a turn later
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
    await expect(rawRequest(subject, new Uint8Array([1]))).resolves.toBe('served');
  });
});

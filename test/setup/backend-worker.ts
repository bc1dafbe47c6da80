// The worker side of worker-backend.ts: one backend in this thread, stopped when the parent asks.
import { parentPort, workerData } from 'node:worker_threads';
import { connect } from '@nats-io/transport-node';
import { Backend, type NatsConnectOptions } from '../../src/index.js';
import { TEST_MODELS } from './models.js';
import type { WorkerBackendOptions } from './worker-backend.js';

const { holdFirstReceive: hold, muteNoted: mute, nats, ...options } = workerData as WorkerBackendOptions;
const backend = await Backend.start({ ...nats, ...options, models: TEST_MODELS });
if (hold) await holdFirstReceive(backend, nats, options.namespace, options.id);
if (mute) muteNoted(backend);
parentPort!.postMessage('ready');
parentPort!.once('message', async () => {
  await backend.stop();
  parentPort!.postMessage('stopped');
});

/**
 * The first receive of a move waits until its sender asks for the objects back (a retire, which the sender sends
 * once its receive request timed out): a receive that outlasts the sender's timeout, however fast the machine.
 * Meanwhile the objects count as being received, as during any slow receive, so the retire waits for it to end.
 */
async function holdFirstReceive(b: Backend, nats: NatsConnectOptions, namespace: string, id: string): Promise<void> {
  const rt = Backend.runtimeOf(b);
  let retireArrived!: () => void;
  const retired = new Promise<void>((resolve) => (retireArrived = resolve));
  // a connection of its own (the same backend identity) sees the retire arrive, whoever sends it; the backend's
  // subscription answers it as usual
  const { servers, user, pass } = nats;
  const watcher = await connect({ servers, user, pass, inboxPrefix: `_INBOX.${user}` });
  watcher.subscribe(`dc.${namespace}.*.*.be.${id}.retire`, { max: 1, callback: () => retireArrived() });
  await watcher.flush();
  void retired.then(() => watcher.close());
  const moves = rt.moves;
  const receive = moves.receive.bind(moves);
  let held = false;
  moves.receive = (records) => {
    if (held) return receive(records);
    held = true;
    const done = retired.then(() => receive(records));
    const settled = done.catch(() => undefined);
    for (const [id] of records) moves.receiving.set(id, settled);
    return done;
  };
}

/** Its moves' targets never hear that the leaving note is on disk: every other request goes out as usual. */
function muteNoted(b: Backend): void {
  const { requests } = Backend.runtimeOf(b);
  const request = requests.request.bind(requests);
  requests.request = ((target: string, op: string, ...rest: unknown[]) =>
    op === 'noted'
      ? Promise.resolve(undefined)
      : (request as (...a: unknown[]) => Promise<unknown>)(target, op, ...rest)) as typeof requests.request;
}

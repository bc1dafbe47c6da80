// The raw-NATS baseline's responder: a separate Node process that echoes, as a backend process would. It connects
// with the DC_NATS_* variables it is given (a backend identity on a secured cluster).
import { connectNats, resolveNatsSettings } from '../src/internal.js';

const [subject] = process.argv.slice(2);
const nc = await connectNats(resolveNatsSettings(), 'bench-raw-responder');
nc.subscribe(subject, { callback: (_err, msg) => void msg.respond(msg.data) });
await nc.flush();
process.send?.({ type: 'ready' });

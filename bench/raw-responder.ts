// The raw-NATS baseline's responder: a separate Node process that echoes, as a backend process would.
import { connectNats } from '../src/internal.js';

const [url, subject] = process.argv.slice(2);
const nc = await connectNats(url, 'bench-raw-responder');
nc.subscribe(subject, { callback: (_err, msg) => void msg.respond(msg.data) });
await nc.flush();
process.send?.({ type: 'ready' });

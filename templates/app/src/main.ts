// The client: `npm run dev` prints where NATS is and who to be there (export those DC_NATS_* lines), then
// `npm start`. new Client() reads DC_NATS_URL, DC_NATS_USER, DC_NATS_PASSWORD_FILE (or DC_NATS_PASSWORD).
import { Client } from 'dataclay';
import { Bank } from './model.js';

await using client = await new Client().start();
const backends = await client.getBackends();
console.log(`connected: ${backends.size} backends`);

const bank = new Bank('First Bank');
await bank.makePersistent(); // the bank now lives on a backend; its methods run there
const alice = await bank.open('alice', 100);
const bob = await bank.open('bob', 50);
await bank.transfer(alice, bob, 30);
console.log(`alice ${await alice.getBalance()}, bob ${await bob.getBalance()}, total ${await bank.total()}`);

// `dataclay console`: the web console of a running cluster, as its admin (docs/observability.md). Serves on
// 127.0.0.1 only and prints the URL, which carries the per-run token the page needs.
import { Client } from '../client/client.js';
import { ConsoleServer } from '../console/server.js';
import { createLogger } from '../log.js';
import { type NatsFlags, natsOptionsFrom } from './nats-flags.js';

export interface ConsoleCommandOptions extends NatsFlags {
  namespace: string;
  port?: number;
}

/** Starts the console on `client` (an admin's); fails at once, with the admin operations' error, if it is not one. */
export async function startConsole(client: Client, port?: number): Promise<ConsoleServer> {
  await client.listObjects({ limit: 1 }); // an admin operation: PermissionDeniedError for anyone else
  const log = createLogger('console');
  return ConsoleServer.start({ client, port, onError: (err) => log.debug({ err }, 'console request failed') });
}

export async function runConsole(options: ConsoleCommandOptions): Promise<void> {
  const client = await new Client({ ...natsOptionsFrom(options), namespace: options.namespace }).start();
  try {
    const server = await startConsole(client, options.port);
    console.log(`dataclay console: ${server.url}`);
    console.log("(the token in the URL is the page's key: do not share it) Ctrl-C stops it.");
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
  } finally {
    await client.stop();
  }
}

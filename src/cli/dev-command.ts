// `dataclay dev`: a dev cluster in the foreground.
import path from 'node:path';
import { InvalidOptionError } from '../errors.js';
import { DevCluster } from '../dev/cluster.js';
import type { NatsServerAuth } from '../dev/nats-server.js';
import { readSecretFile } from '../messaging/connect-options.js';

export interface DevCommandOptions {
  models: string[];
  backends: number;
  namespace: string;
  natsUser?: string;
  natsPasswordFile?: string;
  natsTokenFile?: string;
}

export async function runDev(options: DevCommandOptions): Promise<void> {
  const auth = devAuth(options);
  const cluster = await DevCluster.start({
    models: options.models,
    backends: options.backends,
    namespace: options.namespace,
    nats: { auth },
  });
  console.log(`dev cluster up: ${cluster.backends.length} backends, namespace ${cluster.namespace}`);
  console.log(`  export DC_NATS_URL=${cluster.natsUrl}`);
  // the secret stays in its file: point at it, never print it
  if (options.natsUser) console.log(`  export DC_NATS_USER=${options.natsUser}`);
  if (options.natsPasswordFile) console.log(`  export DC_NATS_PASSWORD_FILE=${path.resolve(options.natsPasswordFile)}`);
  if (options.natsTokenFile) console.log(`  export DC_NATS_TOKEN_FILE=${path.resolve(options.natsTokenFile)}`);
  console.log(`  logs: ${cluster.dir}`);
  console.log(`  pids: nats-server ${cluster.nats.pid}, ${cluster.backends.map((b) => `${b.id} ${b.pid}`).join(', ')}`);
  console.log('Ctrl-C stops it.');
  await new Promise(() => undefined); // until the cluster's signal hook exits the process
}

/** The credentials the dev nats-server requires: a user with a password file, or a token file, or none. */
function devAuth(options: DevCommandOptions): NatsServerAuth | undefined {
  const { natsUser, natsPasswordFile, natsTokenFile } = options;
  if (natsTokenFile && (natsUser || natsPasswordFile)) {
    throw new InvalidOptionError('--nats-token-file', natsTokenFile, 'not given with --nats-user');
  }
  if (natsTokenFile) return { token: readSecretFile('--nats-token-file', natsTokenFile) };
  if (!natsUser !== !natsPasswordFile) {
    throw new InvalidOptionError(natsUser ? '--nats-password-file' : '--nats-user', undefined, 'given with the other');
  }
  if (natsUser && natsPasswordFile) {
    return { user: natsUser, pass: readSecretFile('--nats-password-file', natsPasswordFile) };
  }
  return undefined;
}

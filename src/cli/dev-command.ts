// `dataclay dev`: a dev cluster in the foreground, secured unless --insecure (docs/security.md).
import path from 'node:path';
import { InvalidOptionError } from '../errors.js';
import { DevCluster, type DevClusterOptions } from '../dev/cluster.js';
import { readSecretFile } from '../messaging/connect-options.js';
import { Client } from '../client/client.js';
import { startConsole } from './console-command.js';

export interface DevCommandOptions {
  models: string[];
  backends: number;
  namespace: string;
  natsUser?: string;
  natsPasswordFile?: string;
  natsTokenFile?: string;
  insecure?: boolean;
  console?: boolean;
  consolePort?: number;
  natsCluster?: number;
  metadataReplicas?: number;
}

export async function runDev(options: DevCommandOptions): Promise<void> {
  const security = devSecurity(options);
  console.log(`starting nats-server and ${options.backends} backends ...`);
  const cluster = await DevCluster.start({
    models: options.models,
    backends: options.backends,
    namespace: options.namespace,
    natsCluster: options.natsCluster,
    metadataReplicas: options.metadataReplicas,
    ...security,
    // the console's request rates come from the backends' metrics
    backendArgs: options.console || options.consolePort !== undefined ? ['--metrics-port', '0'] : undefined,
    // one line per step, while it starts and while it stops; a failed start keeps the logs and says where
    onProgress: (line) => console.log(`  ${line}`),
    keepLogsOnFailure: true,
  });
  const mode = cluster.secured ? 'secured' : options.natsTokenFile ? 'one token, no confinement' : 'open, --insecure';
  const servers = cluster.natsCluster.size;
  const nats = servers > 1 ? `, a JetStream cluster of ${servers} nats-servers` : '';
  console.log(`dev cluster up: ${cluster.backends.length} backends, namespace ${cluster.namespace}, ${mode}${nats}`);
  console.log(`  export DC_NATS_URL=${cluster.natsUrls.join(',')}`);
  // the secrets stay in their files: point at them, never print them
  const credentials = cluster.credentials;
  if (credentials) {
    const admin = cluster.connectOptions.user!;
    const given = options.natsPasswordFile && path.resolve(options.natsPasswordFile);
    console.log(`  export DC_NATS_USER=${admin}`);
    console.log(`  export DC_NATS_PASSWORD_FILE=${given || credentials.passwordFile(admin)}`);
    console.log(`  (the admin; the client user, the backends and their passwords: ${credentials.file})`);
    console.log(`  export DC_DEV_DIR=${cluster.dir}   # for dataclay ctl user add|passwd|remove|list`);
  }
  if (options.natsTokenFile) console.log(`  export DC_NATS_TOKEN_FILE=${path.resolve(options.natsTokenFile)}`);
  console.log(`  logs: ${cluster.dir}`);
  // a cluster's servers by name (nats-1...), a lone one as nats-server
  const natsPids = cluster.natsCluster.servers.map((s) => `${s.name ?? 'nats-server'} ${s.pid}`);
  console.log(`  pids: ${[...natsPids, ...cluster.backends.map((b) => `${b.id} ${b.pid}`)].join(', ')}`);
  if (options.console || options.consolePort !== undefined) {
    const admin = await new Client({ ...cluster.connectOptions, namespace: cluster.namespace }).start();
    console.log(`  console: ${(await startConsole(admin, options.consolePort)).url}`);
  }
  console.log('Ctrl-C stops it.');
  await new Promise(() => undefined); // until the cluster's signal hook exits the process
}

/** Users (the admin named by --nats-user, its password from a file), a single token, or an open server. */
function devSecurity(options: DevCommandOptions): Pick<DevClusterOptions, 'insecure' | 'admin' | 'nats'> {
  const { natsUser, natsPasswordFile, natsTokenFile, insecure } = options;
  const given = [
    natsUser && '--nats-user',
    natsPasswordFile && '--nats-password-file',
    natsTokenFile && '--nats-token-file',
  ];
  if (insecure && given.some(Boolean)) {
    throw new InvalidOptionError(
      '--insecure',
      true,
      'not given with --nats-user, --nats-password-file or --nats-token-file',
    );
  }
  if (insecure) return { insecure: true };
  if (natsTokenFile && (natsUser || natsPasswordFile)) {
    throw new InvalidOptionError('--nats-token-file', natsTokenFile, 'not given with --nats-user');
  }
  if (natsTokenFile) return { nats: { auth: { token: readSecretFile('--nats-token-file', natsTokenFile) } } };
  if (natsPasswordFile && !natsUser) {
    throw new InvalidOptionError('--nats-user', undefined, 'given with --nats-password-file');
  }
  const pass = natsPasswordFile ? readSecretFile('--nats-password-file', natsPasswordFile) : undefined;
  return natsUser ? { admin: { user: natsUser, pass } } : {};
}

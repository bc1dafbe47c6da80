// Starts a real nats-server (from PATH) with JetStream in a directory of its own, and stops, kills or restarts it.
// Auth and TLS go into a config file (mode 0600) in that directory: never on the server's command line.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { nkeys } from '@nats-io/transport-node';
import { ProcessStartError } from '../errors.js';
import type { NatsConnectOptions } from '../messaging/connect-options.js';
import { authorizationBlock, type ClusterMember, clusterBlock, type NatsUser } from '../security/server-config.js';
import { freePort } from './ports.js';

const INSTALL_HINT =
  'nats-server was not found on PATH. Install it: Debian/Ubuntu `apt-get install nats-server`, ' +
  'macOS `brew install nats-server`, or see https://docs.nats.io/running-a-nats-service/introduction/installation.';

/** What clients must present: one user, a token, or the nkey user of this seed (the server gets its public key). */
export type NatsServerAuth = { user: string; pass: string } | { token: string } | { nkeySeed: string };

export interface NatsServerTls {
  /** The server's certificate and key (PEM files). */
  cert: string;
  key: string;
  /** The CA clients are told to trust (connectOptions), and with `verify`, the one client certificates must chain to. */
  ca?: string;
  /** Require client certificates (mutual TLS). */
  verify?: boolean;
}

export interface NatsServerOptions {
  dir: string;
  port?: number;
  binary?: string;
  /** Default true. */
  jetstream?: boolean;
  auth?: NatsServerAuth;
  /** Users with the permissions of their roles over these namespaces (docs/security.md); instead of `auth`. */
  users?: { users: readonly NatsUser[]; namespaces: readonly string[] };
  tls?: NatsServerTls;
  /** More config-file text, e.g. an operator and its accounts. */
  config?: string;
  /** This server's place in a cluster (dev/nats-cluster.ts). */
  cluster?: ClusterMember;
  /** Serve the monitoring endpoints (/varz, /jsz...) on this port of 127.0.0.1. */
  monitorPort?: number;
}

export class NatsServer {
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly binary: string,
    private readonly options: NatsServerOptions,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** What a client or backend needs to connect here: the URL, the credentials of `auth`, the CA of `tls`. */
  get connectOptions(): NatsConnectOptions {
    const { auth, tls } = this.options;
    return { servers: [this.url], ...auth, ...(tls?.ca && { tls: { ca: tls.ca } }) };
  }

  /** The server's name in its cluster (undefined for a lone server). */
  get name(): string | undefined {
    return this.options.cluster?.server;
  }

  /** The monitoring endpoints' base URL, if `monitorPort` was given. */
  get monitorUrl(): string | undefined {
    return this.options.monitorPort === undefined ? undefined : `http://127.0.0.1:${this.options.monitorPort}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  static async start(options: NatsServerOptions): Promise<NatsServer> {
    const binary = options.binary ?? process.env.DC_NATS_SERVER ?? 'nats-server';
    if (spawnSync(binary, ['--version']).error) throw new ProcessStartError(binary, INSTALL_HINT, '');
    const server = new NatsServer(options.port ?? (await freePort()), options.dir, binary, options);
    await server.launch();
    return server;
  }

  /** Starts the process again on the same port and store (after stop or kill). */
  async launch(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const args = ['-a', '127.0.0.1', '-p', String(this.port)];
    if (this.options.jetstream ?? true) args.push('-js', '-sd', path.join(this.dir, 'jetstream'));
    const config = this.configText();
    if (config) {
      const file = path.join(this.dir, 'nats-server.conf');
      writeFileSync(file, config, { mode: 0o600 });
      args.push('-c', file);
    }
    const child = spawn(this.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new ProcessStartError('nats-server', 'did not start in 10 s', log));
      }, 10_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('Server is ready')) {
          clearTimeout(timer);
          child.stderr!.removeAllListeners('data');
          child.stderr!.resume();
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new ProcessStartError('nats-server', `exited with ${code}`, log));
      });
    });
  }

  private configText(): string {
    const { auth, users, tls, config, cluster, monitorPort } = this.options;
    const q = (value: string) => JSON.stringify(value);
    const lines: string[] = [];
    if (cluster) lines.push(clusterBlock(cluster));
    if (monitorPort !== undefined) lines.push(`http: ${q(`127.0.0.1:${monitorPort}`)}`);
    if (users) lines.push(authorizationBlock(users.users, users.namespaces));
    if (auth && 'user' in auth) lines.push(`authorization { user: ${q(auth.user)}, password: ${q(auth.pass)} }`);
    if (auth && 'token' in auth) lines.push(`authorization { token: ${q(auth.token)} }`);
    if (auth && 'nkeySeed' in auth) {
      const nkey = nkeys.fromSeed(new TextEncoder().encode(auth.nkeySeed)).getPublicKey();
      lines.push(`authorization { users: [ { nkey: ${q(nkey)} } ] }`);
    }
    if (tls) {
      const ca = tls.ca ? `, ca_file: ${q(tls.ca)}` : '';
      lines.push(`tls { cert_file: ${q(tls.cert)}, key_file: ${q(tls.key)}${ca}, verify: ${tls.verify ?? false} }`);
    }
    if (config) lines.push(config);
    return lines.join('\n');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    this.child = undefined;
  }

  kill(): Promise<void> {
    return this.stop('SIGKILL');
  }

  /** Synchronous last resort, for process exit handlers. */
  killNow(): void {
    this.child?.kill('SIGKILL');
  }
}

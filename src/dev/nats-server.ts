// Starts a real nats-server (from PATH) with JetStream in a directory of its own, and stops, kills or restarts it.
// Auth and TLS go into a config file (mode 0600) in that directory: never on the server's command line.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { nkeys } from '@nats-io/transport-node';
import { ProcessStartError, UsersFileError } from '../errors.js';
import type { NatsConnectOptions } from '../messaging/connect-options.js';
import type { ClusterMember, NatsUser } from '../security/server-config.js';
import { clusterBlock } from '../security/server-config.js';
import { INCLUDE_USERS, UsersFile } from '../security/users-file.js';
import { freePort } from './ports.js';
import { releaseProcess, watchProcess } from './watchdog.js';

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
  /**
   * Users with the permissions of their roles over these namespaces (docs/security.md); instead of `auth`. They go
   * into `users.json`/`users.conf` beside the config on the first launch; `dataclay ctl user` changes them there.
   */
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
  private reloading: Promise<void> = Promise.resolve();
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

  get configFile(): string {
    return path.join(this.dir, 'nats-server.conf');
  }

  /** The users file of a server started with `users` (kept across restarts: what `ctl user` changed stays). */
  get usersFile(): UsersFile | undefined {
    return this.options.users ? UsersFile.forConfig(this.configFile) : undefined;
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
    // a cluster member's JetStream from flags, as its node-kill test was proven with (configText says why not alone)
    if ((this.options.jetstream ?? true) && this.options.cluster)
      args.push('-js', '-sd', path.join(this.dir, 'jetstream'));
    const { users } = this.options;
    if (users && !existsSync(path.join(this.dir, 'users.json'))) {
      UsersFile.create(this.dir, { namespaces: [...users.namespaces], users: [...users.users] });
    }
    writeFileSync(this.configFile, this.configText(), { mode: 0o600 });
    args.push('-c', this.configFile);
    const child = spawn(this.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    void watchProcess(child.pid);
    child.once('exit', () => void releaseProcess(child.pid));
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
    // the pid file is how `dataclay ctl user` finds the server to reload
    const lines: string[] = [`pid_file: ${q(path.join(this.dir, 'nats-server.pid'))}`];
    // a lone server: in the config, not flags (-js), since a reload of users with JetStream from flags leaves the
    // account without it. A cluster member takes flags (launch): users are not reloaded there (DevCluster.userAdmin)
    if ((this.options.jetstream ?? true) && !cluster)
      lines.push(`jetstream { store_dir: ${q(path.join(this.dir, 'jetstream'))} }`);
    if (cluster) lines.push(clusterBlock(cluster));
    if (monitorPort !== undefined) lines.push(`http: ${q(`127.0.0.1:${monitorPort}`)}`);
    if (users) lines.push(INCLUDE_USERS);
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

  /** Makes the server read its config again (SIGHUP) and resolves once it has; rejects with the reason it gives. */
  reload(): Promise<void> {
    const next = this.reloading.then(() => this.reloadOnce());
    this.reloading = next.catch(() => undefined);
    return next;
  }

  private reloadOnce(): Promise<void> {
    const child = this.child;
    if (!child?.stderr || child.exitCode !== null) {
      return Promise.reject(new UsersFileError(this.configFile, 'the server is not running'));
    }
    const stderr = child.stderr;
    return new Promise<void>((resolve, reject) => {
      let log = '';
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        const failed = /Failed to reload server configuration: (.*)/.exec(log);
        if (!failed && !log.includes('Reloaded server configuration')) return;
        stderr.off('data', onData);
        if (failed) reject(new UsersFileError(this.configFile, `the server refused to reload: ${failed[1]}`));
        else resolve();
      };
      stderr.on('data', onData);
      child.kill('SIGHUP');
    });
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

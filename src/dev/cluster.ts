// A dev cluster: nats-server with JetStream (or a cluster of them) in a temp dir plus N backend processes, all torn
// down together, also when this process is interrupted. Used by `dataclay dev`, `npm run demo`, the tests and the
// benchmarks.
// Secured by default: every identity a NATS user with its role's permissions (docs/security.md).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvalidOptionError } from '../errors.js';
import type { NatsConnectOptions } from '../messaging/connect-options.js';
import { Client } from '../client/client.js';
import { DEFAULT_USERNAME } from '../security/identity.js';
import { type AddUserOptions, type PasswordOptions, UserAdmin } from '../security/user-admin.js';
import { BackendProcess } from './backend-process.js';
import { DevCredentials } from './credentials.js';
import { NatsCluster } from './nats-cluster.js';
import type { NatsServer, NatsServerOptions } from './nats-server.js';
import { keepOnDeath, removeOnDeath } from './watchdog.js';

export interface DevClusterOptions {
  /** Compiled model modules every backend loads. */
  models: string[];
  /** Number of backends (default 3), named backend-1 ... backend-N. */
  backends?: number;
  namespace?: string;
  /** Keep the temp dir (logs, JetStream store, backend stores) after stop. */
  keepDir?: boolean;
  /** Extra `dataclay backend` options for every backend, e.g. ['--max-objects', '100']. */
  backendArgs?: string[];
  /**
   * How the cluster's nats-server runs: TLS, no JetStream, more config. An `auth` (one user or token for everyone)
   * replaces the generated users: it authenticates but confines nobody.
   */
  nats?: Omit<NatsServerOptions, 'dir' | 'port' | 'binary' | 'users' | 'cluster' | 'monitorPort'>;
  /** Open mode: a nats-server without users, where whoever reaches it may do anything. Default false: secured. */
  insecure?: boolean;
  /** Secured mode: the admin identity (default `admin`, with a random password). */
  admin?: { user: string; pass?: string };
  /** Secured mode: the client users (default `['user']`); each gets a random password. */
  clients?: string[];
  /**
   * Secured mode: datasets as access boundaries (docs/security.md). `strict` (default): only datasets an admin
   * created, per their grants; `open`: datasets nobody created are open to every user. The cluster creates the
   * dataset `admin` (the Client's default) with `rw` for the admin and every client user.
   */
  datasets?: 'strict' | 'open';
  /** Told of each step while the cluster starts and stops, one line each (`backend-2 ready (pid 123)`). */
  onProgress?: (line: string) => void;
  /** A start that fails keeps the backends' and nats-server's logs in `dir` (the rest is removed) and says so. */
  keepLogsOnFailure?: boolean;
  /** A JetStream cluster of this many nats-servers on loopback instead of one (docs/scaling.md). */
  natsCluster?: number;
  /** Replicas of the metadata buckets (`--metadata-replicas`); default 3 on a cluster of 3+ servers, else 1. */
  metadataReplicas?: number;
  /** Backups of every object on other backends (`--backups`, docs/failover.md); default 0. */
  backups?: number;
}

const live = new Set<DevCluster>();
const DEFAULT_DATASET = 'admin';
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => live.forEach((c) => c.killNow()));
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      Promise.allSettled([...live].map((c) => c.stop())).finally(() => process.exit(code));
    });
  }
}

export class DevCluster implements AsyncDisposable {
  private stopped = false;
  private progress: (line: string) => void = () => undefined;
  private constructor(
    /** The nats-server(s): one, or the cluster of `natsCluster`. */
    readonly natsCluster: NatsCluster,
    readonly backends: BackendProcess[],
    readonly dir: string,
    readonly namespace: string,
    private readonly keepDir: boolean,
    /** The identities of a secured cluster; undefined in open mode or with a single `nats.auth`. */
    readonly credentials: DevCredentials | undefined,
    private readonly adminUser: string,
  ) {}

  /** The first nats-server (of a cluster, the others are in `natsCluster`). */
  get nats(): NatsServer {
    return this.natsCluster.servers[0];
  }

  /** The first server's URL; a client connected there learns the others from it. */
  get natsUrl(): string {
    return this.nats.url;
  }

  /** Every server's URL. */
  get natsUrls(): string[] {
    return this.natsCluster.urls;
  }

  /** Every identity is a NATS user with its role's permissions (not `insecure`, no `nats.auth`). */
  get secured(): boolean {
    return this.credentials !== undefined;
  }

  /**
   * How to connect to this cluster as its admin (secured), or with the credentials it was started with:
   * `new Client({ ...cluster.connectOptions })`.
   */
  get connectOptions(): NatsConnectOptions {
    return this.credentials ? this.connectOptionsFor(this.adminUser) : this.natsCluster.connectOptions;
  }

  /** How to connect as one identity of a secured cluster: the admin, a client user, `backend`, a backend's id. */
  connectOptionsFor(user: string): NatsConnectOptions {
    if (!this.credentials) throw new InvalidOptionError('user', user, 'an identity of a secured cluster');
    const { pass } = this.credentials.identity(user);
    return { ...this.natsCluster.connectOptions, user, pass };
  }

  static async start(options: DevClusterOptions): Promise<DevCluster> {
    installExitHooks();
    const dir = mkdtempSync(path.join(tmpdir(), 'dataclay-dev-'));
    // removed by the watchdog if this process dies without stopping the cluster (kill -9)
    if (!options.keepDir) await removeOnDeath(dir);
    const progress = options.onProgress ?? (() => undefined);
    const namespace = options.namespace ?? 'default';
    const ids = Array.from({ length: options.backends ?? 3 }, (_, i) => `backend-${i + 1}`);
    const admin = options.admin ?? { user: DEFAULT_USERNAME };
    const secured = !options.insecure && !options.nats?.auth;
    const { credentials, nats } = await (async () => {
      const backendIds = ids;
      const clients = options.clients ?? ['user'];
      const made = secured
        ? DevCredentials.create(path.join(dir, 'credentials'), { admin, clients, backendIds })
        : undefined;
      const users = made && { users: made.users, namespaces: [namespace] };
      return {
        credentials: made,
        nats: await NatsCluster.start({ ...options.nats, users, dir, size: options.natsCluster }),
      };
    })().catch(async (err) => {
      rmSync(dir, { recursive: true, force: true });
      await keepOnDeath(dir);
      throw err;
    });
    progress(`nats-server ready: ${nats.urls.join(', ')} (pid ${nats.servers.map((s) => s.pid).join(', ')})`);
    const policy = credentials ? (options.datasets ?? 'strict') : 'off';
    const backendNats = (id: string): NatsConnectOptions =>
      credentials ? { ...nats.connectOptions, user: id, pass: credentials.identity(id).pass } : nats.connectOptions;
    const replicas =
      options.metadataReplicas === undefined ? [] : ['--metadata-replicas', `${options.metadataReplicas}`];
    const backends = ids.map(
      (id) =>
        new BackendProcess({
          id,
          nats: backendNats(id),
          namespace,
          models: options.models,
          storage: path.join(dir, id),
          logFile: path.join(dir, `${id}.log`),
          args: [
            ...(options.backendArgs ?? []),
            '--datasets',
            policy,
            ...replicas,
            ...(options.backups ? ['--backups', `${options.backups}`] : []),
          ],
        }),
    );
    const keep = options.keepDir ?? false;
    const cluster = new DevCluster(nats, backends, dir, namespace, keep, credentials, admin.user);
    cluster.progress = progress;
    live.add(cluster);
    try {
      await Promise.all(backends.map((b) => b.start().then(() => progress(`${b.id} ready (pid ${b.pid})`))));
      // the default dataset is made through a backend: a cluster started without any has none (its datasets are open)
      if (credentials && backends.length > 0) await cluster.bootstrap(options.clients ?? ['user']);
    } catch (err) {
      await cluster.stop(options.keepLogsOnFailure);
      if (options.keepLogsOnFailure) progress(`the start failed: its logs are kept in ${dir}`);
      throw err;
    }
    return cluster;
  }

  /** The Client's default dataset, usable by the admin and every client user. */
  private async bootstrap(clients: string[]): Promise<void> {
    const admin = await new Client({ ...this.connectOptions, namespace: this.namespace }).start();
    try {
      const datasets = admin.datasets();
      if (!(await datasets.list()).some((d) => d.name === DEFAULT_DATASET)) await datasets.create(DEFAULT_DATASET);
      for (const user of clients) await datasets.grant(DEFAULT_DATASET, user, 'rw');
    } finally {
      await admin.stop();
    }
  }

  /**
   * Adds a NATS user to the running server (default role `client`; no grant yet), as `dataclay ctl user add` does:
   * its password (given, or generated) is stored as a bcrypt hash and kept in `credentials/<name>.password`.
   */
  async addUser(name: string, options: AddUserOptions = {}): Promise<NatsConnectOptions> {
    const pass = await this.userAdmin().add(name, options);
    const { role = 'client', backendId } = options;
    this.credentials!.set({ user: name, pass, role, ...(backendId !== undefined && { backendId }) });
    return this.connectOptionsFor(name);
  }

  /** A new password for a user: the old one stops working (and its connections close) now. */
  async setPassword(name: string, options: PasswordOptions = {}): Promise<NatsConnectOptions> {
    const pass = await this.userAdmin().passwd(name, options);
    this.credentials!.set({ ...this.credentials!.identity(name), pass });
    return this.connectOptionsFor(name);
  }

  /** Removes a user from the server: its connections close. Its grants stay until revoked. */
  async removeUser(name: string): Promise<void> {
    await this.userAdmin().remove(name);
    this.credentials!.delete(name);
  }

  /** The server's users, as `dataclay ctl user` sees them (reloads wait until the server has read them). */
  userAdmin(): UserAdmin {
    const file = this.nats.usersFile;
    if (!this.credentials || !file) throw new InvalidOptionError('users', 'none', 'a secured cluster');
    // each server of a NATS cluster keeps its own users file: changing one would leave the others behind
    if (this.natsCluster.size > 1)
      throw new InvalidOptionError('natsCluster', `${this.natsCluster.size}`, '1 to manage users');
    return new UserAdmin(file, () => this.nats.reload());
  }

  backend(id: string): BackendProcess {
    const b = this.backends.find((x) => x.id === id);
    if (!b) throw new Error(`no backend ${id} in this cluster`);
    return b;
  }

  /** Stops the backends, then nats-server, and removes the directory (with `keepLogs`, all but the logs). */
  async stop(keepLogs = false): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const stopping = this.backends.map((b) => b.stop().then(() => this.progress(`${b.id} stopped`)));
    await Promise.allSettled(stopping);
    await this.natsCluster.stop();
    this.progress('nats-server stopped');
    live.delete(this);
    if (this.keepDir) return;
    if (keepLogs) {
      for (const entry of readdirSync(this.dir)) {
        if (!entry.endsWith('.log')) rmSync(path.join(this.dir, entry), { recursive: true, force: true });
      }
    } else rmSync(this.dir, { recursive: true, force: true });
    await keepOnDeath(this.dir);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  killNow(): void {
    this.backends.forEach((b) => b.killNow());
    this.natsCluster.killNow();
  }
}

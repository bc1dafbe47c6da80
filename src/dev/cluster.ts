// A dev cluster: nats-server with JetStream in a temp dir plus N backend processes, all torn down together,
// also when this process is interrupted. Used by `dataclay dev`, `npm run demo`, the tests and the benchmarks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NatsConnectOptions } from '../messaging/connect-options.js';
import { BackendProcess } from './backend-process.js';
import { NatsServer, type NatsServerOptions } from './nats-server.js';

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
  /** How the cluster's nats-server runs: auth its clients must present, TLS, no JetStream, more config. */
  nats?: Omit<NatsServerOptions, 'dir' | 'port' | 'binary'>;
}

const live = new Set<DevCluster>();
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
  private constructor(
    readonly nats: NatsServer,
    readonly backends: BackendProcess[],
    readonly dir: string,
    readonly namespace: string,
    private readonly keepDir: boolean,
  ) {}

  get natsUrl(): string {
    return this.nats.url;
  }

  /** How to connect to this cluster (with the credentials it was started with): `new Client({ ...connectOptions })`. */
  get connectOptions(): NatsConnectOptions {
    return this.nats.connectOptions;
  }

  static async start(options: DevClusterOptions): Promise<DevCluster> {
    installExitHooks();
    const dir = mkdtempSync(path.join(tmpdir(), 'dataclay-dev-'));
    const namespace = options.namespace ?? 'default';
    const nats = await NatsServer.start({ ...options.nats, dir: path.join(dir, 'nats') }).catch((err) => {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    });
    const backends = Array.from(
      { length: options.backends ?? 3 },
      (_, i) =>
        new BackendProcess({
          id: `backend-${i + 1}`,
          nats: nats.connectOptions,
          namespace,
          models: options.models,
          storage: path.join(dir, `backend-${i + 1}`),
          logFile: path.join(dir, `backend-${i + 1}.log`),
          args: options.backendArgs,
        }),
    );
    const cluster = new DevCluster(nats, backends, dir, namespace, options.keepDir ?? false);
    live.add(cluster);
    try {
      await Promise.all(backends.map((b) => b.start()));
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  backend(id: string): BackendProcess {
    const b = this.backends.find((x) => x.id === id);
    if (!b) throw new Error(`no backend ${id} in this cluster`);
    return b;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.allSettled(this.backends.map((b) => b.stop()));
    await this.nats.stop();
    live.delete(this);
    if (!this.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  killNow(): void {
    this.backends.forEach((b) => b.killNow());
    this.nats.killNow();
  }
}

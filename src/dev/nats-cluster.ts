// A JetStream cluster of real nats-servers on loopback (random ports, a directory each, authenticated routes), or a
// single server when its size is 1. Tests kill, restart and ask it which server leads JetStream (docs/scaling.md).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { InvalidOptionError, TimeoutError } from '../errors.js';
import type { NatsConnectOptions } from '../messaging/connect-options.js';
import { NatsServer, type NatsServerOptions } from './nats-server.js';
import { freePorts } from './ports.js';

export interface NatsClusterOptions extends Omit<NatsServerOptions, 'dir' | 'port' | 'cluster' | 'monitorPort'> {
  /** Each server gets `<dir>/<name>`. */
  dir: string;
  /** Number of servers (default 1: a lone server, no cluster). */
  size?: number;
}

/** The part of a server's `/jsz` this harness reads. */
export interface Jsz {
  server_id: string;
  meta_cluster?: { name?: string; leader?: string; replicas?: { name: string; current: boolean; offline?: boolean }[] };
}

const CLUSTER_NAME = 'dataclay-dev';
const READY_MS = 30_000;

export class NatsCluster {
  private constructor(readonly servers: readonly NatsServer[]) {}

  static async start(options: NatsClusterOptions): Promise<NatsCluster> {
    const { size = 1, dir, ...rest } = options;
    if (!Number.isInteger(size) || size < 1) throw new InvalidOptionError('natsCluster', size, 'a positive integer');
    if (size === 1) return new NatsCluster([await NatsServer.start({ ...rest, dir: path.join(dir, 'nats') })]);
    const ports = await freePorts(3 * size);
    const routes = ports.slice(size, 2 * size);
    const login = { user: 'route', password: randomBytes(18).toString('base64url') };
    const started = await Promise.allSettled(
      Array.from({ length: size }, (_, i) => {
        const server = `nats-${i + 1}`;
        return NatsServer.start({
          ...rest,
          dir: path.join(dir, server),
          port: ports[i],
          monitorPort: ports[2 * size + i],
          cluster: { cluster: CLUSTER_NAME, server, host: '127.0.0.1', port: routes[i], routes, ...login },
        });
      }),
    );
    const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.allSettled(servers.map((s) => s.stop()));
      throw failed.reason;
    }
    const cluster = new NatsCluster(servers);
    try {
      await cluster.waitReady();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  get size(): number {
    return this.servers.length;
  }

  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  /** How to connect: every server's URL, with the first server's credentials and CA (they are the same on all). */
  get connectOptions(): NatsConnectOptions {
    return { ...this.servers[0].connectOptions, servers: this.urls };
  }

  server(name: string): NatsServer {
    const found = this.servers.find((s) => s.name === name);
    if (!found) throw new InvalidOptionError('server', name, `one of ${this.servers.map((s) => s.name).join(', ')}`);
    return found;
  }

  /** `/jsz` of the first server that answers (a killed one does not). */
  async jsz(query = ''): Promise<Jsz> {
    let last: unknown;
    for (const server of this.servers) {
      try {
        return await jszOf(server, query);
      } catch (err) {
        last = err;
      }
    }
    throw new InvalidOptionError('cluster', 'no monitoring answer', 'a running cluster of 2+ servers', { cause: last });
  }

  /** The server leading JetStream's meta group now, if there is one. */
  async metaLeader(): Promise<NatsServer | undefined> {
    const leader = (await this.jsz()).meta_cluster?.leader;
    return leader ? this.servers.find((s) => s.name === leader) : undefined;
  }

  /** Until JetStream has a meta leader that counts every other server as a current peer. */
  async waitReady(timeoutMs = READY_MS): Promise<void> {
    if (this.size === 1) return;
    const deadline = Date.now() + timeoutMs;
    for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
      // only the leader lists the peers
      const leader = await this.metaLeader().catch(() => undefined);
      const peers = leader && (await jszOf(leader).catch(() => undefined))?.meta_cluster?.replicas;
      if (peers?.length === this.size - 1 && peers.every((p) => p.current && !p.offline)) return;
      if (Date.now() > deadline) throw new TimeoutError('waiting for the JetStream cluster to form', timeoutMs);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.servers.map((s) => s.stop()));
  }

  killNow(): void {
    for (const s of this.servers) s.killNow();
  }
}

async function jszOf(server: NatsServer, query = ''): Promise<Jsz> {
  if (!server.monitorUrl || server.pid === undefined) throw new Error(`${server.name} is not running`);
  const res = await fetch(`${server.monitorUrl}/jsz${query}`, { signal: AbortSignal.timeout(2_000) });
  if (!res.ok) throw new Error(`${server.monitorUrl}/jsz answered ${res.status}`);
  return (await res.json()) as Jsz;
}

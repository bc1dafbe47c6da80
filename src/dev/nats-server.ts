// Starts a real nats-server (from PATH) with JetStream in a directory of its own, and stops, kills or restarts it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ProcessStartError } from '../errors.js';
import { freePort } from './ports.js';

const INSTALL_HINT =
  'nats-server was not found on PATH. Install it: Debian/Ubuntu `apt-get install nats-server`, ' +
  'macOS `brew install nats-server`, or see https://docs.nats.io/running-a-nats-service/introduction/installation.';

export interface NatsServerOptions {
  dir: string;
  port?: number;
  binary?: string;
}

export class NatsServer {
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly binary: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  static async start(options: NatsServerOptions): Promise<NatsServer> {
    const binary = options.binary ?? process.env.DC_NATS_SERVER ?? 'nats-server';
    if (spawnSync(binary, ['--version']).error) throw new ProcessStartError(binary, INSTALL_HINT, '');
    const server = new NatsServer(options.port ?? (await freePort()), options.dir, binary);
    await server.launch();
    return server;
  }

  /** Starts the process again on the same port and store (after stop or kill). */
  async launch(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', path.join(this.dir, 'jetstream')];
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

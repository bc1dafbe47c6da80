// One backend as a child process (`dataclay backend`), ready when it says so over IPC. Its NATS settings travel in
// DC_NATS_* variables: a command line is readable by every user of the machine.
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ProcessStartError } from '../errors.js';
import { type NatsConnectOptions, natsEnv, resolveNatsSettings } from '../messaging/connect-options.js';
import { releaseProcess, watchProcess } from './watchdog.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface BackendProcessOptions {
  id: string;
  /** Where and how the backend connects (resolved here, without this process's DC_NATS_* variables). */
  nats: NatsConnectOptions;
  namespace: string;
  models: string[];
  storage: string;
  logFile: string;
  /** Extra command-line options, e.g. ['--max-objects', '100']. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

export class BackendProcess {
  private child: ChildProcess | undefined;
  constructor(readonly options: BackendProcessOptions) {}

  get id(): string {
    return this.options.id;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(timeoutMs = 20_000): Promise<void> {
    const { id, namespace, models, storage, logFile } = this.options;
    const env = { ...withoutNatsVariables(process.env), ...natsEnv(resolveNatsSettings(this.options.nats, {})) };
    const log = openSync(logFile, 'a');
    const args = [
      'backend',
      '--namespace',
      namespace,
      '--id',
      id,
      '--storage',
      storage,
      ...(this.options.args ?? []),
      '--models',
      ...models,
    ];
    const child = fork(CLI, args, { stdio: ['ignore', log, log, 'ipc'], env: { ...env, ...this.options.env } });
    closeSync(log);
    this.child = child;
    void watchProcess(child.pid);
    child.once('exit', () => void releaseProcess(child.pid));
    await new Promise<void>((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new ProcessStartError(`backend ${id}`, `${why} (log: ${logFile})`, tail(logFile)));
      };
      const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
      const early = (code: number | null, signal: NodeJS.Signals | null) =>
        fail(`exited (${signal ?? code}) before it was ready`);
      child.once('exit', early);
      child.on('message', (msg: { type?: string }) => {
        if (msg?.type !== 'ready') return;
        clearTimeout(timer);
        child.off('exit', early);
        // the IPC channel stays open: if this process dies, the backend sees it close and stops (no orphans)
        (child.channel as { unref?: () => void } | undefined)?.unref?.();
        resolve();
      });
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    this.child = undefined;
  }

  kill(): Promise<void> {
    return this.stop('SIGKILL');
  }

  /**
   * Starts it again, same id and storage (after stop or kill); `models`: with another build of the model (a model
   * change rolled through the cluster, docs/lifecycle.md).
   */
  async restart(models?: string[]): Promise<void> {
    await this.stop();
    if (models) this.options.models = models;
    await this.start();
  }

  killNow(): void {
    this.child?.kill('SIGKILL');
  }

  logTail(): string {
    return tail(this.options.logFile);
  }
}

/** This process's own DC_NATS_* settings must not mix with the backend's. */
function withoutNatsVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('DC_NATS_')));
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

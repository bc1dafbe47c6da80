// No orphans when the process that started a dev cluster dies without cleaning up (SIGKILL, a crash): a small
// watchdog process, one per parent, holds an IPC pipe to it and kills nats-server and the backends and removes the
// cluster's directory when that pipe closes. nats-server cannot watch its parent itself; the backends do (their own
// IPC channel), but someone must stop the server and delete the files.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./watchdog-main.js', import.meta.url));

let child: ChildProcess | undefined;

function watchdog(): ChildProcess {
  if (child?.connected) return child;
  child = fork(MAIN, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  // it must neither keep this process alive nor outlive it by more than its cleanup
  child.unref();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
  child.on('error', () => undefined);
  return child;
}

/** Resolves once the message is handed to the pipe: a process exiting right after does not lose it. */
function tell(message: object, start = true): Promise<void> {
  if (!start && !child?.connected) return Promise.resolve();
  return new Promise((resolve) => {
    try {
      watchdog().send(message, () => resolve()); // an error too: the watchdog is gone, nothing more to tell it
    } catch {
      resolve();
    }
  });
}

/** Kill `pid` if this process dies first. */
export function watchProcess(pid: number | undefined): Promise<void> {
  return pid === undefined ? Promise.resolve() : tell({ watch: pid });
}

/** `pid` has exited (or was stopped by us): the watchdog must not kill whatever reuses the number later. */
export function releaseProcess(pid: number | undefined): Promise<void> {
  return pid === undefined ? Promise.resolve() : tell({ unwatch: pid }, false);
}

/** Remove `dir` if this process dies first. */
export function removeOnDeath(dir: string): Promise<void> {
  return tell({ remove: dir });
}

/** Do not remove `dir` after all (the cluster removed it itself, or keeps it). */
export function keepOnDeath(dir: string): Promise<void> {
  return tell({ keep: dir }, false);
}

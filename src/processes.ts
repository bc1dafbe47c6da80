// Whether a process is alive, by pid: for pid and lock files that a process which died may have left behind.

/** True when `pid` names a live process (one of another user's too: signalling it is refused, EPERM, but it lives). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

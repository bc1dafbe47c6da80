// The dev watchdog process (see watchdog.ts): told over IPC which processes and directories belong to its parent,
// it kills and removes them once the parent is gone, however it went (SIGKILL included: the IPC pipe closes).
import { rmSync } from 'node:fs';
import { isAlive } from '../processes.js';

const pids = new Set<number>();
const dirs = new Set<string>();

type Message = { watch?: number; unwatch?: number; remove?: string; keep?: string };

process.on('message', (m: Message) => {
  if (m.watch !== undefined) pids.add(m.watch);
  if (m.unwatch !== undefined) pids.delete(m.unwatch);
  if (m.remove !== undefined) dirs.add(m.remove);
  if (m.keep !== undefined) dirs.delete(m.keep);
});
// a Ctrl-C reaches the whole process group: the parent stops its clusters itself, then lets this process go
process.on('SIGINT', () => undefined);
process.on('disconnect', () => void reap());

async function reap(): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  // the directories are written by those processes: remove them once nobody writes there any more
  const deadline = Date.now() + 10_000;
  while ([...pids].some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

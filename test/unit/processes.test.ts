// isAlive, which the backend's pid file, the users file's lock and the dev watchdog share (src/processes.ts).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../src/processes.js';

describe('isAlive', () => {
  it('is true for a live process, false for one that exited and for pids no process can have', () => {
    expect(isAlive(process.pid)).toBe(true);
    const exited = spawnSync(process.execPath, ['-e', '0']).pid;
    expect(exited).toBeGreaterThan(0);
    expect(isAlive(exited)).toBe(false);
    for (const pid of [0, -1, 1.5, Number.NaN]) expect(isAlive(pid)).toBe(false);
  });
});

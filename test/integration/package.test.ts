// What a new user does, end to end: the packed package installed into an app made by `dataclay init`, built with
// tspc, its own vitest test run through the dataclay vite plugin, and its client run against `dataclay dev`
// (secured: it connects with the DC_NATS_* variables dev prints). Also `dataclay doctor` on that app.
import { type ChildProcess, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir, waitFor } from '../setup/helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const STEP_TIMEOUT = 600_000; // an npm install on a loaded machine with a cold cache

/**
 * The environment of a shell the user opened: none of the npm_* settings `npm test` put there (npm would read them
 * as its own config, e.g. which project to install into) nor vitest's own, which would change the app's vitest;
 * no colours, so the output reads as text.
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => keep.has(k) || !/^(npm_|VITEST|INIT_CWD$|NODE_ENV$|FORCE_COLOR$|DC_)/.test(k),
    ),
  );
  return { ...env, NO_COLOR: '1', ...extra };
}

function run(command: string, args: string[], cwd: string, env = userEnv()): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: STEP_TIMEOUT });
}

const output = (r: SpawnSyncReturns<string>) => `exit ${r.status}\n${r.stdout}\n${r.stderr}`;

let dir: string;
let app: string;
let tarball: string;
let dev: ChildProcess | undefined;
let devOut = '';

beforeAll(() => {
  dir = makeTempDir('package');
  app = path.join(dir, 'my-bank');
});

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev!.once('exit', resolve));
    dev.kill('SIGINT');
    await exited;
  }
  removeDir(dir);
});

describe('the package, as a new user gets it', { timeout: STEP_TIMEOUT }, () => {
  it('packs into a tarball with the build, the sources its maps point at, the templates', () => {
    // the suite runs on the build `npm test` just made: packing must not rebuild dist/ under the running tests
    const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
    expect(pack.status, output(pack)).toBe(0);
    const [info] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string }[] }];
    tarball = path.join(dir, info.filename);
    const files = info.files.map((f) => f.path);
    for (const f of [
      'dist/src/index.js',
      'dist/src/index.js.map',
      'src/index.ts',
      'dist/src/cli/main.js',
      'transformer/dist/index.js',
      'transformer/dist/vite.js',
      'transformer/src/vite.ts',
      'templates/app/src/model.ts',
      'templates/app/gitignore',
      'LICENSE',
    ]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => f.startsWith('dist/test') || f.startsWith('test/'))).toEqual([]);
  });

  it('`dataclay init` scaffolds the app and says what to do next', () => {
    const init = run(process.execPath, [CLI, 'init', app], dir);
    expect(init.status, output(init)).toBe(0);
    expect(init.stdout).toContain('npm install');
    expect(init.stdout).toContain('npm run dev');
    for (const f of ['package.json', 'tsconfig.json', 'vitest.config.ts', 'src/model.ts', 'src/main.ts', '.gitignore'])
      expect(existsSync(path.join(app, f)), f).toBe(true);
    const again = run(process.execPath, [CLI, 'init', app], dir);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/init overwrites nothing/);
  });

  it('installs from the tarball and builds with tspc', () => {
    const install = run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], app);
    expect(install.status, output(install)).toBe(0);
    const build = run('npm', ['run', 'build'], app);
    expect(build.status, output(build)).toBe(0);
    expect(existsSync(path.join(app, 'dist/src/model.js'))).toBe(true);
  });

  it("runs the app's own vitest test through the dataclay plugin", () => {
    const test = run('npm', ['test'], app);
    expect(test.status, output(test)).toBe(0);
    expect(test.stdout).toMatch(/Tests\s+(\S+\s+)?3 passed/);
  });

  it("runs the app's client against `dataclay dev`, connected by the variables dev prints", async () => {
    dev = spawn(
      path.join(app, 'node_modules/.bin/dataclay'),
      ['dev', '--models', 'dist/src/model.js', '--backends', '2'],
      {
        cwd: app,
        env: userEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    dev.stdout!.on('data', (d) => (devOut += d));
    dev.stderr!.on('data', (d) => (devOut += d));
    await waitFor(() => devOut.includes('Ctrl-C stops it.') || dev!.exitCode !== null, {
      what: 'dataclay dev up',
      timeoutMs: 120_000,
    });
    expect(devOut).toContain('secured');
    const exported = Object.fromEntries(
      [...devOut.matchAll(/^\s*export (DC_NATS_\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(Object.keys(exported).sort()).toEqual(['DC_NATS_PASSWORD_FILE', 'DC_NATS_URL', 'DC_NATS_USER']);
    const start = run('npm', ['start'], app, userEnv(exported));
    expect(start.status, output(start)).toBe(0);
    expect(start.stdout).toContain('connected: 2 backends');
    expect(start.stdout).toContain('alice 70, bob 80, total 150');

    const doctor = run(path.join(app, 'node_modules/.bin/dataclay'), ['doctor'], app, userEnv(exported));
    expect(doctor.status, output(doctor)).toBe(0);
    expect(doctor.stdout).toContain('JetStream: on');
    expect(doctor.stdout).toContain('all good');
  });

  it('`dataclay dev` stops on Ctrl-C and removes its temp dir', async () => {
    const clusterDir = /logs: (\S+)/.exec(devOut)?.[1];
    expect(clusterDir).toBeDefined();
    const exited = new Promise<number | null>((resolve) => dev!.once('exit', (code) => resolve(code)));
    dev!.kill('SIGINT');
    await exited;
    await waitFor(() => !existsSync(clusterDir!), { what: 'the dev temp dir removed' });
  });
});

// `dataclay doctor` on projects set up wrong: each problem found, with what to fix, and a non-zero exit; and on
// NATS without JetStream or without a server at all. (A well set-up app passes: test/integration/package.test.ts.)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NatsServer } from '../../src/internal.js';
import { tempDir } from '../setup/helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = path.join(ROOT, 'dist/src/cli/main.js');

function doctor(dir: string, args: string[] = ['--offline'], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DC_')));
  const run = spawnSync(process.execPath, [CLI, 'doctor', dir, ...args], {
    encoding: 'utf8',
    env: { ...clean, ...env },
  });
  return { status: run.status, out: run.stdout + run.stderr };
}

function project(files: Record<string, string>): string {
  const dir = tempDir('doctor');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const json = (value: object) => JSON.stringify(value);

/**
 * An app made by `dataclay init`, installed by hand: the TypeScript `version` given (a stand-in package), ts-patch
 * 3.3.0 whose `tspc` only leaves a mark that it ran, and this package as `dataclay`.
 */
function scaffolded(version: string): string {
  const app = path.join(tempDir('toolchain'), 'app');
  const init = spawnSync(process.execPath, [CLI, 'init', app], { encoding: 'utf8' });
  expect(init.status, init.stderr).toBe(0);
  const modules = path.join(app, 'node_modules');
  const bin = path.join(modules, '.bin');
  mkdirSync(bin, { recursive: true });
  for (const [name, v] of [
    ['typescript', version],
    ['ts-patch', '3.3.0'],
  ]) {
    mkdirSync(path.join(modules, name));
    writeFileSync(path.join(modules, name, 'package.json'), json({ name, version: v }));
  }
  symlinkSync(ROOT, path.join(modules, 'dataclay'));
  const script = (file: string, body: string) =>
    writeFileSync(path.join(bin, file), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  script('dataclay', `exec "${process.execPath}" "${CLI}" "$@"`);
  script('tspc', 'touch tspc-ran');
  return app;
}

describe('dataclay doctor', () => {
  it("--toolchain, an app's prebuild: under TypeScript 7 it stops `npm run build` with what to install, before tspc", () => {
    // tspc itself would die in ts-patch's start under TypeScript 7 ("reading 'LineFeed'"), before our plugin loads
    const app = scaffolded('7.0.2');
    const build = spawnSync('npm', ['run', 'build'], { cwd: app, encoding: 'utf8' });
    expect(build.status).not.toBe(0);
    expect(build.stderr).toContain(
      '[dataclay] TypeScript 7.0.2: TypeScript 7.0.2 has no compiler API for transformers',
    );
    expect(build.stderr).toContain('npm install --save-dev typescript@5.9.3 ts-patch@3.3.0');
    expect(existsSync(path.join(app, 'tspc-ran'))).toBe(false);

    // the supported one: the check says nothing and the build goes on to tspc
    const good = scaffolded('5.9.3');
    const ok = spawnSync('npm', ['run', 'build'], { cwd: good, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).not.toContain('[dataclay]');
    expect(existsSync(path.join(good, 'tspc-ran'))).toBe(true);
  });

  it('finds a CommonJS project with TypeScript 7 and no ts-patch, says what to fix, and exits 1', () => {
    const dir = project({
      'package.json': json({ name: 'old', devDependencies: { vitest: '*' } }),
      'node_modules/typescript/package.json': json({ name: 'typescript', version: '7.0.2' }),
      'tsconfig.json': json({ compilerOptions: {} }),
    });
    const { status, out } = doctor(dir);
    expect(status).toBe(1);
    expect(out).toMatch(/FAIL {2}package\.json: "type" is "commonjs"\n\s+add "type": "module"/);
    expect(out).toMatch(/FAIL {2}dataclay is not installed/);
    expect(out).toMatch(/FAIL {2}TypeScript 7\.0\.2\n\s+TypeScript 7\.0\.2 has no compiler API .*typescript@5\.9\.3/);
    expect(out).toMatch(/FAIL {2}ts-patch \(none\)/);
    expect(out).toMatch(/FAIL {2}tsconfig\.json not checked/);
    expect(out).toMatch(/warn {2}vitest without the dataclay plugin\n\s+.*dataclay\/vite/);
  });

  it('reads tsconfig.json as tsc does (comments, extends) and finds a missing plugin and a CommonJS module', () => {
    const dir = project({
      'package.json': json({ name: 'nest-like', type: 'module' }),
      'tsconfig.base.json': '{\n  // the NestJS habit\n  "compilerOptions": { "experimentalDecorators": true, },\n}\n',
      'tsconfig.json': json({ extends: './tsconfig.base.json', compilerOptions: { module: 'commonjs' } }),
    });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules')); // TypeScript 5.9.3, ts-patch 3.3.0
    const { status, out } = doctor(dir);
    expect(status).toBe(1);
    expect(out).toMatch(/ok {4}TypeScript 5\.9\.3/);
    expect(out).toMatch(/ok {4}ts-patch 3\.3\.0/);
    expect(out).toMatch(
      /FAIL {2}tsconfig\.json: no dataclay transformer\n\s+add "plugins": \[\{ "transform": "dataclay\/transformer" \}\]/,
    );
    expect(out).toMatch(/FAIL {2}tsconfig\.json: module CommonJS\n\s+set "module": "nodenext"/);
    expect(out).toMatch(/ok {4}decorators: legacy \(experimentalDecorators\), supported/);
  });

  it('passes this repository (its plugin is a path to the transformer), with a warning for its vitest', () => {
    const { status, out } = doctor(ROOT);
    expect(out).toMatch(/ok {4}tsconfig\.json: the dataclay\/transformer plugin/);
    expect(out).toMatch(/ok {4}dataclay \d+\.\d+\.\d+/);
    expect(out).toMatch(/warn {2}vitest without the dataclay plugin/);
    expect(out).toContain('all good');
    expect(status).toBe(0);
  });

  it('fails when no NATS answers, pointing at dataclay dev and the DC_NATS_* variables', () => {
    const { status, out } = doctor(ROOT, [], { DC_NATS_URL: 'nats://127.0.0.1:1' });
    expect(status).toBe(1);
    expect(out).toMatch(
      /FAIL {2}NATS at nats:\/\/127\.0\.0\.1:1: not reachable\n\s+.*connection refused.*dataclay dev/,
    );
  });

  it('fails on a NATS without JetStream, saying to start it with -js', async () => {
    const server = await NatsServer.start({ dir: tempDir('doctor-nats'), jetstream: false });
    try {
      const { status, out } = doctor(ROOT, [], { DC_NATS_URL: server.url });
      expect(out).toMatch(/ok {4}NATS at 127\.0\.0\.1:\d+: connected/);
      expect(out).toMatch(/FAIL {2}JetStream: off\n\s+start nats-server with -js/);
      expect(status).toBe(1);
    } finally {
      await server.stop();
    }
  });
});

// The TypeScript the transformer accepts, and the message a user gets on load under one it cannot run with.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../setup/helpers.js';
import { ROOT } from './compile.js';

const require = createRequire(import.meta.url);
const { typescriptVerdict, tsPatchVerdict } = require(`${ROOT}transformer/dist/toolchain.js`) as {
  typescriptVerdict: (v: string | undefined) => { ok: boolean; message?: string };
  tsPatchVerdict: (v: string | undefined) => { ok: boolean; message?: string };
};

describe('transformer: toolchain versions', () => {
  it('accepts TypeScript 5.9.x silently, runs under another 5.x or 6.x with a message, refuses 7 and 4', () => {
    expect(typescriptVerdict('5.9.3')).toEqual({ ok: true });
    expect(typescriptVerdict('5.8.3')).toMatchObject({
      ok: true,
      message: expect.stringMatching(/not the tested 5\.9/),
    });
    expect(typescriptVerdict('6.0.3').ok).toBe(true);
    expect(typescriptVerdict('7.0.2')).toMatchObject({ ok: false, message: expect.stringMatching(/no compiler API/) });
    expect(typescriptVerdict('4.9.5').ok).toBe(false);
    expect(typescriptVerdict(undefined).message).toMatch(/not installed/);
  });

  it('accepts ts-patch 3.3.x only', () => {
    expect(tsPatchVerdict('3.3.0')).toEqual({ ok: true });
    expect(tsPatchVerdict('4.0.1')).toMatchObject({ ok: false, message: expect.stringMatching(/Node 22\.15/) });
    expect(tsPatchVerdict('3.1.2').ok).toBe(false);
    expect(tsPatchVerdict(undefined).ok).toBe(false);
  });

  it('refuses to load under TypeScript 7 with what to install, instead of a crash inside the compiler', () => {
    // a project whose node_modules holds TypeScript 7 (its package exports only the version) and our transformer
    const project = tempDir('ts7');
    const modules = path.join(project, 'node_modules');
    mkdirSync(path.join(modules, 'typescript'), { recursive: true });
    writeFileSync(
      path.join(modules, 'typescript', 'package.json'),
      JSON.stringify({ name: 'typescript', version: '7.0.2', main: 'version.cjs' }),
    );
    writeFileSync(
      path.join(modules, 'typescript', 'version.cjs'),
      "module.exports = { version: '7.0.2', versionMajorMinor: '7.0' };",
    );
    cpSync(`${ROOT}transformer/dist`, path.join(modules, 'dataclay-transformer'), { recursive: true });
    cpSync(`${ROOT}transformer/package.json`, path.join(modules, 'dataclay-transformer', 'package.json'));
    const run = spawnSync(process.execPath, ['-e', "require('dataclay-transformer')"], {
      cwd: project,
      encoding: 'utf8',
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('[dataclay] TypeScript 7.0.2 has no compiler API for transformers');
    expect(run.stderr).toContain('npm install --save-dev typescript@5.9.3 ts-patch@3.3.0');
  });
});

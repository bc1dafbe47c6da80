// `dataclay init [dir]`: scaffolds an app that uses this package (templates/app): ESM, the transformer in
// tsconfig.json, the vite plugin for its tests, a model, a client, and the scripts build, dev, start, test.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidOptionError } from '../errors.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TEMPLATE = path.join(PACKAGE_ROOT, 'templates', 'app');
/** npm leaves every `.gitignore` out of a package, so the template holds it under another name. */
const RENAMED: Record<string, string> = { gitignore: '.gitignore' };

interface OwnPackage {
  version: string;
  engines: Record<string, string>;
  devDependencies: Record<string, string>;
}

/** Template files, relative to the template, as they are named in the app. */
function templateFiles(dir = TEMPLATE, prefix = ''): [from: string, to: string][] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e): [string, string][] => {
    const rel = path.join(prefix, e.name);
    if (e.isDirectory()) return templateFiles(path.join(dir, e.name), rel);
    return [[rel, path.join(prefix, RENAMED[e.name] ?? e.name)]];
  });
}

/** The app's package.json: the toolchain pinned to what this package is built and tested with. */
function appPackage(name: string): object {
  const own = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as OwnPackage;
  const pin = (dep: string) => own.devDependencies[dep];
  return {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: own.engines,
    scripts: {
      // tspc under TypeScript 7 crashes before any plugin can explain why: this says it first (doctor-command.ts)
      prebuild: 'dataclay doctor --toolchain',
      build: 'tspc -p .',
      dev: 'npm run build && dataclay dev --models dist/src/model.js --backends 2',
      start: 'node dist/src/main.js',
      test: 'vitest run',
    },
    dependencies: { dataclay: `^${own.version}` },
    devDependencies: {
      '@types/node': pin('@types/node'),
      'ts-patch': pin('ts-patch'),
      typescript: pin('typescript'),
      vitest: pin('vitest'),
    },
  };
}

function packageName(dir: string): string {
  const name = path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+/, '');
  return name || 'dataclay-app';
}

/** Writes the app into `dir` (created if needed); refuses to overwrite any file. Returns the files written. */
export function scaffold(dir: string): string[] {
  const files = templateFiles();
  const written = ['package.json', ...files.map(([, to]) => to)];
  const existing = written.filter((f) => existsSync(path.join(dir, f)));
  if (existing.length > 0) {
    throw new InvalidOptionError('dir', dir, `a directory without ${existing.join(', ')} (init overwrites nothing)`);
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(appPackage(packageName(dir)), null, 2)}\n`);
  for (const [from, to] of files) {
    mkdirSync(path.dirname(path.join(dir, to)), { recursive: true });
    copyFileSync(path.join(TEMPLATE, from), path.join(dir, to));
  }
  return written;
}

export async function runInit(dirArg = '.'): Promise<void> {
  const dir = path.resolve(dirArg);
  const written = scaffold(dir);
  const rel = path.relative(process.cwd(), dir);
  const cd = rel.startsWith('..') ? dir : rel;
  console.log(`created a dataClay app in ${dir}: ${written.join(', ')}`);
  console.log('next:');
  if (cd) console.log(`  cd ${cd}`);
  console.log('  npm install');
  console.log('  npm test             # the model tests, compiled with the transformer by the dataclay vite plugin');
  console.log('  npm run dev          # builds, starts nats-server and 2 backends; prints the DC_NATS_* to export');
  console.log('  npm start            # in another terminal, with those variables exported: the client');
  console.log('  npx dataclay doctor  # checks the setup (TypeScript, ts-patch, plugin, ESM, NATS)');
}

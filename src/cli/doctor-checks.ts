// What `dataclay doctor` checks in a project: Node, ESM, the toolchain (the transformer's own rule on TypeScript
// and ts-patch), the plugin and options in tsconfig.json, the vite plugin for tests. Each finding says what to fix.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface Finding {
  status: 'ok' | 'warn' | 'fail';
  what: string;
  /** What to do about it (warn, fail). */
  fix?: string;
}

interface Verdict {
  ok: boolean;
  message?: string;
}
interface Toolchain {
  typescriptVerdict(version: string | undefined): Verdict;
  tsPatchVerdict(version: string | undefined): Verdict;
}
// the transformer's rule, so the build and the doctor never disagree (it is plain JS: no compiler is loaded)
const toolchain = createRequire(import.meta.url)('../../../transformer/dist/toolchain.js') as Toolchain;

const MIN_NODE = [20, 4];

interface ProjectPackage {
  type?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** The version of a package as the project resolves it, or undefined when it is not installed. */
function installedVersion(dir: string, name: string): string | undefined {
  try {
    const require = createRequire(path.join(dir, 'package.json'));
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** Whether the project's TypeScript can read its tsconfig.json as tspc would. */
export function typescriptUsable(dir: string): boolean {
  return toolchain.typescriptVerdict(installedVersion(dir, 'typescript')).ok;
}

function fromVerdict(what: string, verdict: Verdict): Finding {
  if (verdict.ok) return verdict.message ? { status: 'warn', what, fix: verdict.message } : { status: 'ok', what };
  return { status: 'fail', what, fix: verdict.message };
}

export function checkNode(version = process.versions.node): Finding {
  const [major, minor] = version.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return ok
    ? { status: 'ok', what: `Node ${version}` }
    : { status: 'fail', what: `Node ${version}`, fix: `dataclay needs Node ${MIN_NODE.join('.')} or newer` };
}

export function checkPackage(dir: string): Finding[] {
  const file = path.join(dir, 'package.json');
  if (!existsSync(file)) {
    return [{ status: 'fail', what: `no package.json in ${dir}`, fix: 'create an app with `npx dataclay init`' }];
  }
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as ProjectPackage;
  const findings: Finding[] = [
    pkg.type === 'module'
      ? { status: 'ok', what: 'package.json: "type": "module" (ESM)' }
      : {
          status: 'fail',
          what: `package.json: "type" is ${JSON.stringify(pkg.type ?? 'commonjs')}`,
          fix: 'add "type": "module": dataclay is ESM, and `await using` at the top of a module needs ESM',
        },
  ];
  const dataclay = installedVersion(dir, 'dataclay');
  findings.push(
    dataclay
      ? { status: 'ok', what: `dataclay ${dataclay}` }
      : { status: 'fail', what: 'dataclay is not installed', fix: 'npm install dataclay' },
  );
  findings.push(...checkToolchain(dir));
  const usesVitest = Boolean(pkg.devDependencies?.vitest ?? pkg.dependencies?.vitest);
  if (usesVitest) findings.push(checkVitePlugin(dir));
  return findings;
}

/** The TypeScript and ts-patch the project resolves, by the transformer's own rule. */
export function checkToolchain(dir: string): Finding[] {
  const typescript = installedVersion(dir, 'typescript');
  const tsPatch = installedVersion(dir, 'ts-patch');
  return [
    fromVerdict(`TypeScript ${typescript ?? '(none)'}`, toolchain.typescriptVerdict(typescript)),
    fromVerdict(`ts-patch ${tsPatch ?? '(none)'}`, toolchain.tsPatchVerdict(tsPatch)),
  ];
}

function checkVitePlugin(dir: string): Finding {
  const configs = readdirSync(dir).filter((f) => /^(vitest|vite)\.config\.[cm]?[jt]s$/.test(f));
  const withPlugin = configs.find((f) => readFileSync(path.join(dir, f), 'utf8').includes('dataclay/vite'));
  return withPlugin
    ? { status: 'ok', what: `${withPlugin}: the dataclay plugin` }
    : {
        status: 'warn',
        what: 'vitest without the dataclay plugin',
        fix:
          "tests of @persistent classes need it: in vitest.config.ts, import { dataclay } from 'dataclay/vite' and " +
          'add plugins: [dataclay()]',
      };
}

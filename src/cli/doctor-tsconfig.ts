// `dataclay doctor` on tsconfig.json: read with the project's own TypeScript (so `extends` and comments are as tsc
// sees them), checked for the transformer plugin, an ES module kind, and the decorators mode.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Finding } from './doctor-checks.js';

interface CompilerOptions {
  plugins?: { transform?: string }[];
  module?: number;
  experimentalDecorators?: boolean;
}
interface TypeScriptApi {
  version: string;
  sys: object;
  ModuleKind: Record<number, string>;
  getParsedCommandLineOfConfigFile(
    file: string,
    extended: undefined,
    host: object,
  ): { options: CompilerOptions } | undefined;
}

const PLUGIN = 'dataclay/transformer';

function isOurPlugin(transform: string | undefined, configDir: string): boolean {
  if (transform === PLUGIN) return true;
  // a path to the transformer (this repository's own tsconfig, or a project that points into node_modules)
  return transform !== undefined && /transformer[\\/]dist[\\/]index\.js$/.test(path.resolve(configDir, transform));
}

export function checkTsconfig(dir: string, typescriptUsable: boolean): Finding[] {
  const file = path.join(dir, 'tsconfig.json');
  if (!existsSync(file)) {
    return [
      { status: 'fail', what: 'no tsconfig.json', fix: `create one with "plugins": [{ "transform": "${PLUGIN}" }]` },
    ];
  }
  if (!typescriptUsable) {
    return [{ status: 'fail', what: 'tsconfig.json not checked', fix: 'it needs TypeScript 5.9.x installed (above)' }];
  }
  const ts = createRequire(path.join(dir, 'package.json'))('typescript') as TypeScriptApi;
  let failure: string | undefined;
  const parsed = ts.getParsedCommandLineOfConfigFile(file, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d: { messageText: unknown }) => {
      failure = String(d.messageText);
    },
  });
  if (!parsed) return [{ status: 'fail', what: 'tsconfig.json cannot be read', fix: failure }];
  const { plugins = [], module, experimentalDecorators } = parsed.options;
  const moduleKind = module === undefined ? 'CommonJS (the default)' : ts.ModuleKind[module];
  return [
    plugins.some((p) => isOurPlugin(p.transform, dir))
      ? { status: 'ok', what: `tsconfig.json: the ${PLUGIN} plugin` }
      : {
          status: 'fail',
          what: 'tsconfig.json: no dataclay transformer',
          fix: `add "plugins": [{ "transform": "${PLUGIN}" }] to compilerOptions, and build with tspc`,
        },
    /^(ES|Node|Preserve)/.test(moduleKind)
      ? { status: 'ok', what: `tsconfig.json: module ${moduleKind}` }
      : {
          status: 'fail',
          what: `tsconfig.json: module ${moduleKind}`,
          fix: 'set "module": "nodenext" and "moduleResolution": "nodenext" (dataclay is ESM)',
        },
    {
      status: 'ok',
      what: experimentalDecorators
        ? 'decorators: legacy (experimentalDecorators), supported'
        : 'decorators: TC39 standard (the default)',
    },
  ];
}

// Compiles a fixture with the real TypeScript emitter and our transformer, as tspc does.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const require = createRequire(import.meta.url);
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const transformer = require(`${ROOT}transformer/dist/index.js`) as {
  default: (
    program?: ts.Program,
    config?: unknown,
    extras?: { addDiagnostic: (d: ts.Diagnostic) => number },
  ) => ts.TransformerFactory<ts.SourceFile>;
};

export interface Compiled {
  js: string;
  diagnostics: ts.Diagnostic[];
  metas: Record<string, unknown>[];
}

/** `outDir` only shapes the build layout: what is emitted goes to memory, nothing is written there. */
export function compileFixture(name: string, outDir = '/tmp/dc-fixtures'): Compiled {
  const file = `${ROOT}test/fixtures/${name}`;
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    strictPropertyInitialization: false,
    skipLibCheck: true,
    outDir,
    rootDir: ROOT,
    types: ['node'],
  });
  const diagnostics: ts.Diagnostic[] = [];
  let js = '';
  program.emit(
    program.getSourceFile(file),
    (fileName, text) => {
      if (fileName.endsWith('.js')) js = text;
    },
    undefined,
    false,
    { before: [transformer.default(program, {}, { addDiagnostic: (d) => diagnostics.push(d) })] },
  );
  return { js, diagnostics, metas: extractMetas(js) };
}

/** The object literals passed to persistent(...) in emitted code, evaluated. */
function extractMetas(js: string): Record<string, unknown>[] {
  const metas: Record<string, unknown>[] = [];
  for (const match of js.matchAll(/(?:persistent|keep|valueclass)\((\{ \$dc: 1,.*?\})\)\]/g)) {
    metas.push(new Function(`return (${match[1]});`)() as Record<string, unknown>);
  }
  return metas;
}

export function lineOf(_name: string, marker: string, text: string): number {
  return text.split('\n').findIndex((l) => l.includes(`LINE:${marker}`)) + 1;
}

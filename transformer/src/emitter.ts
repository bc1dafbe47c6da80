// Compiles one TypeScript module at a time with the real emitter and the dataclay transformer, for tools that
// otherwise strip types without it (vite/vitest). A language service keeps the program between files, so the type
// checker (which the class facts come from) is built once and then updated incrementally.
import { statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import dataclayTransformer from './index';

export interface EmitterOptions {
  /** The project's directory (vite's root). */
  root: string;
  /** Its tsconfig, relative to root (default tsconfig.json). */
  tsconfig?: string;
}

export interface Emitted {
  code: string;
  map?: string;
}

/** Module kinds a bundler can run; anything else (CommonJS...) is emitted as ESNext for it. */
const ESM_KINDS = new Set([
  ts.ModuleKind.ES2015,
  ts.ModuleKind.ES2020,
  ts.ModuleKind.ES2022,
  ts.ModuleKind.ESNext,
  ts.ModuleKind.Node16,
  ts.ModuleKind.NodeNext,
  ts.ModuleKind.Preserve,
]);

function readConfig(root: string, tsconfig: string): ts.ParsedCommandLine {
  const file = path.resolve(root, tsconfig);
  const parsed = ts.getParsedCommandLineOfConfigFile(file, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(`[dataclay] ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    },
  });
  if (!parsed) throw new Error(`[dataclay] cannot read ${file}`);
  return parsed;
}

/** The project's options, changed only in what this emit needs: JS and a source map in memory, no plugins. */
function emitOptions(parsed: ts.ParsedCommandLine): ts.CompilerOptions {
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: false,
    emitDeclarationOnly: false,
    declaration: false,
    declarationMap: false,
    composite: false,
    incremental: false,
    sourceMap: true,
    inlineSourceMap: false,
    inlineSources: true,
    outDir: undefined,
    outFile: undefined,
    plugins: undefined,
  };
  if (!ESM_KINDS.has(options.module ?? ts.ModuleKind.CommonJS)) {
    options.module = ts.ModuleKind.ESNext;
    options.moduleResolution = ts.ModuleResolutionKind.Bundler;
  }
  return options;
}

export function createEmitter({ root, tsconfig = 'tsconfig.json' }: EmitterOptions) {
  const parsed = readConfig(root, tsconfig);
  const options = emitOptions(parsed);
  // what the tool handed us (its version counts up), else the file on disk (its mtime is its version)
  const handed = new Map<string, { version: number; text: string }>();
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => [...new Set([...parsed.fileNames, ...handed.keys()])],
    getScriptVersion: (file) => {
      const known = handed.get(file);
      if (known) return String(known.version);
      return ts.sys.fileExists(file) ? String(statSync(file).mtimeMs) : '0';
    },
    getScriptSnapshot: (file) => {
      const text = handed.get(file)?.text ?? ts.sys.readFile(file);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => root,
    getCompilationSettings: () => options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
    realpath: ts.sys.realpath,
  };
  const service = ts.createLanguageService(host, ts.createDocumentRegistry());

  /** The module as tspc would emit it; throws our diagnostics (a misuse the build would refuse) with file:line. */
  function emit(fileName: string, code: string): Emitted {
    const file = path.resolve(fileName);
    const previous = handed.get(file);
    if (previous?.text !== code) handed.set(file, { version: (previous?.version ?? 0) + 1, text: code });
    const program = service.getProgram();
    const source = program?.getSourceFile(file);
    if (!program || !source) throw new Error(`[dataclay] ${file} is not part of the TypeScript program`);
    const diagnostics: ts.Diagnostic[] = [];
    let js = '';
    let map: string | undefined;
    program.emit(
      source,
      (name, text) => {
        if (name.endsWith('.map')) map = text;
        else if (/\.[cm]?js$/.test(name)) js = text;
      },
      undefined,
      false,
      { before: [dataclayTransformer(program, {}, { addDiagnostic: (d) => diagnostics.push(d) })] },
    );
    if (diagnostics.length > 0) {
      throw new Error(
        ts.formatDiagnostics(diagnostics, {
          getCanonicalFileName: (f) => f,
          getCurrentDirectory: () => root,
          getNewLine: () => '\n',
        }),
      );
    }
    return { code: js.replace(/\n\/\/# sourceMappingURL=.*$/, ''), map };
  }

  return { emit };
}

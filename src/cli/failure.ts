// How the `dataclay` command ends on a failure: a message a person can act on and exit code 1, never a raw stack
// unless asked for (`--verbose` or DEBUG set), where the whole cause chain is printed.
import { DataClayError } from '../errors.js';

/** Hints for failures of Node itself that a user causes (a wrong path, a busy port). */
const HINTS: Record<string, string> = {
  ERR_MODULE_NOT_FOUND: 'check the --models paths: they name compiled .js files (build the models first)',
  ERR_UNKNOWN_FILE_EXTENSION: '--models takes compiled .js files, not .ts sources (build with tspc first)',
  EADDRINUSE: 'the port is in use: choose another, or 0 for any free port',
  EACCES: 'permission denied: check the path or port',
  ENOENT: 'no such file or directory',
};

export function verbose(argv = process.argv): boolean {
  return argv.includes('--verbose') || Boolean(process.env.DEBUG);
}

/** The lines printed for `err` (stderr), without the stack unless `withStack`. */
export function describeFailure(err: unknown, withStack: boolean): string {
  if (withStack) return stackChain(err);
  if (err instanceof DataClayError) return `error: ${err.message}`;
  const code = (err as { code?: unknown } | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  const hint = typeof code === 'string' && HINTS[code] ? `\n  hint: ${HINTS[code]}` : '';
  return `error: ${message}${hint}\n  (run with --verbose for the stack)`;
}

function stackChain(err: unknown): string {
  const lines: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 8; depth++) {
    lines.push(`${depth === 0 ? '' : 'caused by: '}${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    e = e instanceof Error ? e.cause : undefined;
  }
  return lines.join('\n');
}

/** Prints the failure and exits 1. */
export function fail(err: unknown): never {
  console.error(describeFailure(err, verbose()));
  process.exit(1);
}

// A backend under a memory budget (--max-objects, --max-bytes) keeps V8's heap near what it holds. V8 lets the old
// generation grow to a multiple of its live size before a full collection (measured: 19-32 MiB live, 180-210 MiB
// resident at 200,000 stored under a 10,000-object budget); the budget bounds what is live, this bounds the slack.
// Set at run time (the flag is read at each collection), so a backend started any way gets it; not a heap limit,
// which would turn a budget of large objects into an out-of-memory crash.
import v8 from 'node:v8';

/** The old generation may grow by this much (per cent) over its live size before the next full collection. */
export const HEAP_GROWING_PERCENT = 10;

/** Applies the growth limit when the backend has a budget and the operator set none; returns the flag applied. */
export function limitHeapGrowth(budgeted: boolean, execArgv: readonly string[] = process.execArgv): string | undefined {
  if (!budgeted || execArgv.some((a) => /^--heap[-_]growing[-_]percent/.test(a))) return undefined;
  const flag = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
  v8.setFlagsFromString(flag);
  return flag;
}

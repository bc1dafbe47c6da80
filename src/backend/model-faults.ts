// What a backend does with an exception no call catches (model code in a timer, a promise nobody awaits): it logs
// it, with the request it came from when known, and keeps serving. Why it does not exit: docs/durability.md.
import type { Logger } from 'pino';
import { sessionStorage, type RequestContext } from '../object/context.js';

export type FaultOrigin = 'uncaughtException' | 'unhandledRejection';

/** Where a fault came from: the request whose async context its code ran in (timers and promises inherit it). */
export interface FaultSource {
  username: string;
  dataset: string;
  chain?: string;
  className?: string;
  method?: string;
  objectId?: string;
}

export function faultSource(ctx: RequestContext | undefined = sessionStorage.getStore()): FaultSource | undefined {
  if (!ctx) return undefined;
  const source: FaultSource = { username: ctx.username, dataset: ctx.dataset };
  if (ctx.chain) source.chain = ctx.chain;
  // the first object whose method ran in place during the request is the one called
  const [called] = ctx.touched ?? [];
  if (called) {
    source.className = called.className;
    source.objectId = called.id;
  }
  if (ctx.method) source.method = ctx.method;
  return source;
}

/** What the process is to the guard: where the two events come from. */
export interface FaultEvents {
  on(event: FaultOrigin, listener: (err: unknown) => void): unknown;
  off(event: FaultOrigin, listener: (err: unknown) => void): unknown;
}

export interface FaultGuard {
  /** Faults seen since install, logged or not. */
  readonly count: number;
  uninstall(): void;
}

const WINDOW_MS = 10_000;
const LOGGED_PER_WINDOW = 20;

/**
 * Logs every uncaught exception and unhandled rejection instead of exiting: at most LOGGED_PER_WINDOW per
 * WINDOW_MS with their stack (a throwing setInterval must not fill the disk), then one line with how many more.
 */
export function surviveFaults(log: Logger, events: FaultEvents = process): FaultGuard {
  let count = 0;
  let logged = 0;
  let suppressed = 0;
  let window: NodeJS.Timeout | undefined;
  const closeWindow = () => {
    if (suppressed > 0) log.error({ suppressed }, `${suppressed} more uncaught faults were not logged`);
    window = undefined;
    logged = 0;
    suppressed = 0;
  };
  const listener = (origin: FaultOrigin) => (err: unknown) => {
    count++;
    try {
      window ??= setTimeout(closeWindow, WINDOW_MS).unref();
      if (++logged > LOGGED_PER_WINDOW) {
        suppressed++;
        return;
      }
      const source = faultSource();
      log.error({ err, origin, ...source }, describe(origin, source));
    } catch {
      // a fault that cannot be logged must not become one that stops the backend
    }
  };
  const onException = listener('uncaughtException');
  const onRejection = listener('unhandledRejection');
  events.on('uncaughtException', onException);
  events.on('unhandledRejection', onRejection);
  return {
    get count() {
      return count;
    },
    uninstall() {
      events.off('uncaughtException', onException);
      events.off('unhandledRejection', onRejection);
      if (window) clearTimeout(window);
    },
  };
}

function describe(origin: FaultOrigin, source: FaultSource | undefined): string {
  const what = origin === 'uncaughtException' ? 'an exception no call caught' : 'a rejected promise nobody handled';
  const where = source?.className && (source.method ? `${source.className}.${source.method}` : source.className);
  const from = where ? ` (left behind by a call of ${where})` : source ? ' (left behind by a request)' : '';
  return `${what}${from}; the backend keeps serving`;
}

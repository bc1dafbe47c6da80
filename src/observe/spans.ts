// The spans: one CLIENT span per object operation (`Person.addYear`, `Person.dcGet`, `Person.makePersistent`), one
// SERVER span per request a backend answers (a child of the caller's, from the request's headers), and an INTERNAL
// span for the store commit of a request that changed objects. Attributes after the RPC and messaging semantic
// conventions. Each function runs its work untouched when nobody traces (tracing.ts).
import { type Attributes, type Context, context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { DataClayObject } from '../object/dataclay-object.js';
import { STATE } from '../object/state.js';
import { callerContext } from './carrier.js';
import { tracer, tracing } from './tracing.js';

const SYSTEM = { 'rpc.system': 'dataclay', 'messaging.system': 'nats' } as const;

/** Runs a client operation on `obj` (its method, or `dcGet`, `move`...) in a span `Class.operation`. */
export type Traced = <T>(obj: DataClayObject, operation: string, run: () => Promise<T>) => Promise<T>;

/** The client spans of a runtime; `server` names the NATS server it is connected to (`host:port`). */
export function clientSpans(server: () => string | undefined): Traced {
  return (obj, operation, run) => {
    if (!tracing()) return run();
    const { info, id, backendId } = obj[STATE];
    const attributes: Attributes = {
      ...SYSTEM,
      'rpc.service': info.name,
      'rpc.method': operation,
      'dataclay.object.id': id,
    };
    if (backendId !== undefined) attributes['dataclay.backend.id'] = backendId;
    const [address, port] = server()?.split(':') ?? [];
    if (address) attributes['server.address'] = address;
    if (port) attributes['server.port'] = Number(port);
    const span = tracer().startSpan(`${info.ctor.name}.${operation}`, { kind: SpanKind.CLIENT, attributes });
    return within(span, context.active(), run);
  };
}

/**
 * Serves one request in a SERVER span named `service.op` (`Backend.call`, `Metadata.alias.get`), a child of the
 * caller's span when the request carries its context. The call handler renames it after the method (`named`).
 */
export function served<T>(
  service: string,
  op: string,
  backendId: string | undefined,
  carrier: MsgHdrs | undefined,
  run: () => Promise<T>,
): Promise<T> {
  if (!tracing()) return run();
  const attributes: Attributes = { ...SYSTEM, 'rpc.service': service, 'rpc.method': op };
  if (backendId !== undefined) attributes['dataclay.backend.id'] = backendId;
  const parent = callerContext(carrier);
  const span = tracer().startSpan(`${service}.${op}`, { kind: SpanKind.SERVER, attributes }, parent);
  return within(span, parent, run);
}

/** Names the request's server span after what it runs: `Class.method` (a no-op when nobody traces). */
export function named(className: string, shortName: string, method: string): void {
  if (!tracing()) return;
  const span = trace.getActiveSpan();
  if (!span) return;
  span.updateName(`${shortName}.${method}`);
  span.setAttributes({ 'rpc.service': className, 'rpc.method': method });
}

/**
 * Records the store commit of a request in a span, when there is one to wait for (a request that changed nothing
 * commits nothing and makes no span). `commit` starts the write and returns its promise, or undefined.
 */
export function committed(commit: () => Promise<void> | undefined): Promise<void> | undefined {
  if (!tracing()) return commit();
  const startTime = performance.timeOrigin + performance.now();
  const writing = commit();
  if (!writing) return writing;
  const attributes: Attributes = { 'db.system': 'lmdb', 'db.operation': 'commit' };
  const span = tracer().startSpan('Store.commit', { kind: SpanKind.INTERNAL, startTime, attributes });
  return ended(span, writing);
}

/** Runs `run` with `span` active (a child of `parent`), and ends the span when its work settles. */
function within<T>(span: Span, parent: Context, run: () => Promise<T>): Promise<T> {
  let work: Promise<T>;
  try {
    work = context.with(trace.setSpan(parent, span), run);
  } catch (err) {
    work = Promise.reject(err); // a synchronous throw still ends the span
  }
  return ended(span, work);
}

/** Ends `span` with the outcome of `work`: an exception is recorded and the span's status set to error. */
function ended<T>(span: Span, work: Promise<T>): Promise<T> {
  return work.then(
    (value) => {
      span.end();
      return value;
    },
    (err: unknown) => {
      if (err instanceof Error) {
        span.recordException(err);
        span.setAttribute('error.type', err.name);
      }
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      span.end();
      throw err;
    },
  );
}

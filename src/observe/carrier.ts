// The trace context in NATS message headers, through the propagator the application registered (W3C
// `traceparent`/`tracestate` with the SDK's defaults): injected into each request, extracted by the server.
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { tracing } from './tracing.js';

const setter: TextMapSetter<MsgHdrs> = { set: (carrier, key, value) => carrier.set(key, value) };
const getter: TextMapGetter<MsgHdrs | undefined> = {
  get: (carrier, key) => carrier?.get(key) || undefined, // nats.js answers "" for a missing header
  keys: (carrier) => carrier?.keys() ?? [],
};

/** Headers carrying the active context; undefined when the propagator writes none (nothing to carry). */
export function contextHeaders(): MsgHdrs | undefined {
  const carrier = headers();
  propagation.inject(context.active(), carrier, setter);
  return carrier.keys().length > 0 ? carrier : undefined;
}

/** The caller's context from a request's headers (the root context when it carries none). */
export function callerContext(carrier: MsgHdrs | undefined): Context {
  return carrier ? propagation.extract(ROOT_CONTEXT, carrier, getter) : ROOT_CONTEXT;
}

/** Request options with the active trace context added, when anyone traces; the same options otherwise. */
export function withTraceContext<O extends object>(options: O): O & { headers?: MsgHdrs } {
  if (!tracing()) return options;
  const carried = contextHeaders();
  return carried ? { ...options, headers: carried } : options;
}

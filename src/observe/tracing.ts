// Whether anyone traces, and the tracer: the OpenTelemetry API only, never an SDK (the application registers its
// own, as with nats.js). With no SDK registered the API hands out its no-op provider; every hook here checks for it
// first and then does nothing at all, so a process that does not trace pays one global lookup per operation.
import { ProxyTracerProvider, trace, type Tracer } from '@opentelemetry/api';

/** The API's no-op provider: what the global proxy delegates to until an SDK is registered. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/** The instrumentation scope of every span this library makes. */
export const TRACER_NAME = 'dataclay';

let cached: { provider: unknown; tracer: Tracer } | undefined;

/** True once an SDK's tracer provider is registered (it may be, at any time, after this module loaded). */
export function tracing(): boolean {
  const provider = trace.getTracerProvider();
  return (provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider) !== NOOP_PROVIDER;
}

/** The tracer of the registered provider, looked up again only when the provider changes. */
export function tracer(): Tracer {
  const provider = trace.getTracerProvider();
  const delegate = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
  if (cached?.provider !== delegate) cached = { provider: delegate, tracer: delegate.getTracer(TRACER_NAME) };
  return cached.tracer;
}

// The tracing hooks do nothing until an SDK is registered, and follow it when it is (and when it goes again).
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { callerContext, withTraceContext } from '../../src/observe/carrier.js';
import { tracing } from '../../src/observe/tracing.js';

afterEach(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});

function register(memory = new InMemorySpanExporter()): InMemorySpanExporter {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }));
  return memory;
}

describe('tracing hooks', () => {
  it('are off without an SDK: no headers are added to a request', () => {
    expect(tracing()).toBe(false);
    const options = { timeoutMs: 5 };
    expect(withTraceContext(options)).toEqual({ timeoutMs: 5 });
  });

  it('are on once an SDK is registered, and off again once it is disabled', () => {
    register();
    expect(tracing()).toBe(true);
    trace.disable();
    expect(tracing()).toBe(false);
  });

  it('carry the active span in a W3C traceparent header that the server side reads back', () => {
    register();
    const span = trace.getTracer('test').startSpan('parent');
    const options = context.with(trace.setSpan(context.active(), span), () => withTraceContext({ timeoutMs: 5 }));
    const { traceId, spanId } = span.spanContext();
    expect(options.headers?.get('traceparent')).toBe(`00-${traceId}-${spanId}-01`);
    const remote = trace.getSpanContext(callerContext(options.headers));
    expect(remote).toMatchObject({ traceId, spanId, isRemote: true });
    span.end();
  });

  it('add no headers outside any span', () => {
    register();
    expect(withTraceContext({ timeoutMs: 5 }).headers).toBeUndefined();
  });
});

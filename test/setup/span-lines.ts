// A finished span as the tracing test compares them, whichever process ended it (otel-file-spans.ts writes these).
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** One span as the test reads it back. */
export interface SpanLine {
  pid: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status: number;
}

export function spanLine(span: ReadableSpan): SpanLine {
  const { traceId, spanId } = span.spanContext();
  return {
    pid: process.pid,
    traceId,
    spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: span.kind,
    attributes: { ...span.attributes },
    status: span.status.code,
  };
}

// What a backend of the tracing test loads with --otel-module: an OpenTelemetry SDK whose exporter appends each
// ended span as one JSON line to <DC_TEST_SPANS_DIR>/<pid>.jsonl, so the test reads the spans of other processes.
// Exactly what a user's module does with an OTLP exporter instead (docs/observability.md).
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { spanLine } from './span-lines.js';

class FileExporter implements SpanExporter {
  constructor(private readonly file: string) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    appendFileSync(this.file, spans.map((s) => `${JSON.stringify(spanLine(s))}\n`).join(''));
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

const dir = process.env.DC_TEST_SPANS_DIR;
if (!dir) throw new Error('DC_TEST_SPANS_DIR is not set');
const provider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(new FileExporter(path.join(dir, `${process.pid}.jsonl`)))],
});
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(provider);

/** Called by the backend when it stops. */
export function shutdown(): Promise<void> {
  return provider.shutdown();
}

// OpenTelemetry traces across processes: a call from this process to a method on backend A that reads a field of an
// object on backend B is one trace, CLIENT → SERVER → CLIENT → SERVER, over three processes. This process records
// its spans in memory; the backends (a cluster of their own) load test/setup/otel-file-spans.js with --otel-module
// and write theirs to files.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DevCluster } from '../../src/index.js';
import { Person } from '../models/index.js';
import { type SpanLine, spanLine } from '../setup/span-lines.js';
import { makeTempDir, removeDir, waitFor } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

const OTEL_MODULE = fileURLToPath(new URL('../setup/otel-file-spans.js', import.meta.url));

let cluster: DevCluster;
let client: Client;
let spansDir: string;
const memory = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });

beforeAll(async () => {
  spansDir = makeTempDir('spans');
  process.env.DC_TEST_SPANS_DIR = spansDir; // the backends inherit it
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  cluster = await DevCluster.start({
    models: TEST_MODELS,
    backends: 2,
    namespace: 'tracing',
    backendArgs: ['--otel-module', OTEL_MODULE],
  });
  client = await new Client({ ...cluster.connectOptions, namespace: 'tracing' }).start();
});
afterAll(async () => {
  await client?.stop();
  await cluster?.stop();
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
  delete process.env.DC_TEST_SPANS_DIR;
  removeDir(spansDir);
});

/** Every span the backends have ended so far. */
function backendSpans(): SpanLine[] {
  return readdirSync(spansDir).flatMap((file) =>
    readFileSync(path.join(spansDir, file), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as SpanLine),
  );
}

/** This process's spans and the backends' of one trace, once `until` holds for them. */
async function traceOf(traceId: string, until: (spans: SpanLine[]) => boolean): Promise<SpanLine[]> {
  return waitFor(
    () => [
      ...memory
        .getFinishedSpans()
        .map(spanLine)
        .filter((s) => s.traceId === traceId),
      ...backendSpans().filter((s) => s.traceId === traceId),
    ],
    { until, what: `the spans of trace ${traceId}` },
  );
}

function only(spans: SpanLine[], name: string, kind: SpanKind): SpanLine {
  const found = spans.filter((s) => s.name === name && s.kind === kind);
  expect(found, `one ${SpanKind[kind]} span ${name} in ${spans.map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0];
}

describe('tracing', () => {
  it('a call to a method on backend A that reads a field on backend B is one trace over three processes', async () => {
    const a = new Person('Ada', 36);
    const b = new Person('Bob', 40);
    await a.makePersistent({ backendId: 'backend-1' });
    await b.makePersistent({ backendId: 'backend-2' });
    memory.reset();

    expect(await a.greet(b)).toBe('Ada greets Bob');

    const call = only(memory.getFinishedSpans().map(spanLine), 'Person.greet', SpanKind.CLIENT);
    expect(call.parentSpanId).toBeUndefined(); // the application's call starts the trace
    const spans = await traceOf(call.traceId, (s) =>
      s.some((x) => x.name === 'Person.dcGet' && x.kind === SpanKind.SERVER),
    );
    const onA = only(spans, 'Person.greet', SpanKind.SERVER);
    const fromA = only(spans, 'Person.dcGet', SpanKind.CLIENT);
    const onB = only(spans, 'Person.dcGet', SpanKind.SERVER);
    expect([onA.parentSpanId, fromA.parentSpanId, onB.parentSpanId]).toEqual([call.spanId, onA.spanId, fromA.spanId]);
    // three processes: this one, backend A's, backend B's
    expect(call.pid).toBe(process.pid);
    expect(fromA.pid).toBe(onA.pid);
    expect(new Set([call.pid, onA.pid, onB.pid]).size).toBe(3);
    expect(onA.attributes).toMatchObject({ 'dataclay.backend.id': 'backend-1', 'rpc.method': 'greet' });
    expect(onB.attributes).toMatchObject({ 'dataclay.backend.id': 'backend-2', 'rpc.method': 'dcGet' });
    expect(call.attributes).toMatchObject({
      'rpc.system': 'dataclay',
      'rpc.service': a.className,
      'rpc.method': 'greet',
      'messaging.system': 'nats',
      'dataclay.object.id': a.id,
      'dataclay.backend.id': 'backend-1',
      'server.address': '127.0.0.1',
    });
  });

  it('a call that changes its object has a store commit span under its server span', async () => {
    const p = new Person('Cy', 1);
    await p.makePersistent({ backendId: 'backend-2' });
    memory.reset();
    await p.addYear();
    const call = only(memory.getFinishedSpans().map(spanLine), 'Person.addYear', SpanKind.CLIENT);
    const spans = await traceOf(call.traceId, (s) => s.some((x) => x.name === 'Store.commit'));
    const server = only(spans, 'Person.addYear', SpanKind.SERVER);
    const commit = only(spans, 'Store.commit', SpanKind.INTERNAL);
    expect(server.parentSpanId).toBe(call.spanId);
    expect(commit.parentSpanId).toBe(server.spanId);
    expect(commit.pid).toBe(server.pid);
  });

  it('a failed call ends its spans with an error status, on both sides', async () => {
    const p = new Person('Dee', 2);
    await p.makePersistent({ backendId: 'backend-1' });
    memory.reset();
    await expect(p.fail('no')).rejects.toThrow('no');
    const call = only(memory.getFinishedSpans().map(spanLine), 'Person.fail', SpanKind.CLIENT);
    expect(call.status).toBe(SpanStatusCode.ERROR);
    const spans = await traceOf(call.traceId, (s) => s.some((x) => x.kind === SpanKind.SERVER));
    expect(only(spans, 'Person.fail', SpanKind.SERVER).status).toBe(SpanStatusCode.ERROR);
  });

  it('makePersistent, dcSet, move and newVersion each have their client span', async () => {
    memory.reset();
    const p = new Person('Eve', 3);
    await p.makePersistent({ backendId: 'backend-1' });
    await p.dcSet('age', 4);
    await p.move('backend-2');
    await p.newVersion();
    const names = memory
      .getFinishedSpans()
      .filter((s) => s.kind === SpanKind.CLIENT)
      .map((s) => s.name);
    expect(names).toEqual(['Person.makePersistent', 'Person.dcSet', 'Person.move', 'Person.newVersion']);
  });
});

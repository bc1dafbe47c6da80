// How the console shows values (references, collections, what JSON cannot say) and reads the backends' counters.
import { describe, expect, it } from 'vitest';
import { readCounters } from '../../src/console/metrics.js';
import { distinctRefs, type RefView, viewOf } from '../../src/console/values.js';
import { classInfoByName, newProxy } from '../../src/internal.js';
import '../models/index.js';

describe('console values', () => {
  it('shows references as links and collects them once each', () => {
    const info = classInfoByName('test/models/people.Person');
    const bob = newProxy(info, 'id-bob', 'backend-2');
    const refs: RefView[] = [];
    const view = viewOf({ spouse: bob, friends: [bob] }, refs);
    const ref = { $: 'ref', id: 'id-bob', className: 'test/models/people.Person', backendId: 'backend-2' };
    expect(view).toEqual({ $: 'object', className: 'Object', fields: { spouse: ref, friends: [ref] } });
    expect(distinctRefs(refs)).toEqual([ref]);
  });

  it('tags what JSON cannot carry and cuts long collections short', () => {
    const refs: RefView[] = [];
    expect(viewOf(12n, refs)).toEqual({ $: 'bigint', text: '12n' });
    expect(viewOf(undefined, refs)).toEqual({ $: 'undefined', text: 'undefined' });
    expect(viewOf(Number.NaN, refs)).toEqual({ $: 'text', text: 'NaN' });
    expect(viewOf(new Uint8Array(3), refs)).toEqual({ $: 'bytes', text: '3 bytes' });
    expect(viewOf(new Map([['a', 1]]), refs)).toEqual({ $: 'map', entries: [['a', 1]] });
    expect(viewOf(new Set(['x']), refs)).toEqual({ $: 'set', items: ['x'] });
    const long = viewOf(
      Array.from({ length: 150 }, (_, i) => i),
      refs,
    );
    expect(long).toMatchObject({ $: 'list', more: 50 });
    expect((long as { items: unknown[] }).items).toHaveLength(100);
  });
});

describe('console metrics', () => {
  it('sums the request counters and reads the CPU seconds of a Prometheus exposition', () => {
    const text = [
      '# HELP dataclay_requests_total Requests answered, by operation and outcome',
      'dataclay_requests_total{op="call",outcome="ok",backend="b1"} 10',
      'dataclay_requests_total{op="get",outcome="error",backend="b1"} 2',
      'dataclay_process_cpu_seconds_total{backend="b1"} 1.5',
    ].join('\n');
    expect(readCounters(text)).toEqual({ requests: 12, errors: 2, cpuSeconds: 1.5 });
  });
});

// The live set's judgement of which backends are gone (src/metadata/live-set.ts), on a scripted backends bucket and
// a fake clock: a pure unit test. A backend is gone when its record is older than the others' by the stale time,
// never because no record could be read for a while (JetStream electing a stream leader, this process cut off).
import type { KV, KvEntry } from '@nats-io/kv';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BackendInfo } from '../../src/index.js';
import { encode, LiveBackends } from '../../src/internal.js';

const STALE_MS = 6_000;

/** A backends bucket whose watch delivers what `put` is given; a new watch re-delivers the last record of each key. */
function bucket() {
  const latest = new Map<string, KvEntry>();
  let push: ((entry: KvEntry) => void) | undefined;
  let revision = 0;
  let watches = 0;
  const kv = {
    status: async () => ({ values: latest.size }),
    get: async (key: string) => latest.get(key) ?? null,
    watch: async () => {
      watches++;
      const queue: KvEntry[] = [...latest.values()].map((e, i, all) => ({ ...e, delta: all.length - 1 - i }));
      let wake: (() => void) | undefined;
      let stopped = false;
      push = (entry) => {
        queue.push(entry);
        wake?.();
      };
      return {
        stop: () => {
          stopped = true;
          wake?.();
        },
        async *[Symbol.asyncIterator]() {
          while (!stopped) {
            const next = queue.shift();
            if (next) yield next;
            else await new Promise<void>((resolve) => (wake = resolve));
          }
        },
      };
    },
  } as unknown as KV;
  /** A heartbeat of `id`, stamped by the "server" at `stamp` (ms). */
  const put = (id: string, stamp: number) => {
    const info: BackendInfo = { id, host: 'h', pid: 1, startedAt: 0, heartbeatAt: stamp, classes: [] };
    const entry = {
      key: id,
      value: encode(info),
      created: new Date(stamp),
      revision: ++revision,
      delta: 0,
      operation: 'PUT',
    } as unknown as KvEntry;
    latest.set(id, entry);
    push?.(entry);
  };
  return { kv, put, watches: () => watches };
}

const ids = (live: LiveBackends) => live.list().map((b) => b.id);

describe('the live set', () => {
  let live: LiveBackends | undefined;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  });
  afterEach(() => {
    live?.stop();
    vi.useRealTimers();
  });

  it('keeps the last known backends while the watch delivers nothing, and reports itself unhealthy', async () => {
    const { kv, put } = bucket();
    const server = 1_000_000; // the server's clock at the start (ms): unrelated to ours
    put('b1', server);
    put('b2', server);
    live = new LiveBackends(kv, STALE_MS);
    await live.ready(1_000);
    expect(ids(live)).toEqual(['b1', 'b2']);
    expect(live.healthy()).toBe(true);
    // no heartbeat reaches anyone for far longer than the stale time (the backends stream has no leader)
    await vi.advanceTimersByTimeAsync(4 * STALE_MS);
    expect(ids(live)).toEqual(['b1', 'b2']);
    expect(live.healthy()).toBe(false);
    expect(live.sinceLastDelivery()).toBeGreaterThanOrEqual(4 * STALE_MS);
  });

  it('a backend whose heartbeats stop while the others beat is gone after the stale time', async () => {
    const { kv, put } = bucket();
    let server = 1_000_000;
    put('b1', server);
    put('b2', server);
    live = new LiveBackends(kv, STALE_MS);
    await live.ready(1_000);
    // b1 beats every 2 s, b2 no more
    for (let t = 0; t < 3 * STALE_MS; t += 2_000) {
      await vi.advanceTimersByTimeAsync(2_000);
      server += 2_000;
      put('b1', server);
      await vi.advanceTimersByTimeAsync(0);
      if (server - 1_000_000 < STALE_MS - 2_000) expect(ids(live)).toEqual(['b1', 'b2']);
    }
    expect(ids(live)).toEqual(['b1']);
    expect(live.healthy()).toBe(true);
  });

  it('after an outage, the first heartbeats judge again: those that beat stay, the silent one goes', async () => {
    const { kv, put, watches } = bucket();
    let server = 1_000_000;
    put('b1', server);
    put('b2', server);
    live = new LiveBackends(kv, STALE_MS);
    await live.ready(1_000);
    await vi.advanceTimersByTimeAsync(30_000); // the outage: nothing delivered, the watch restarted meanwhile
    expect(watches()).toBeGreaterThan(1);
    expect(ids(live)).toEqual(['b1', 'b2']);
    server += 30_000;
    put('b1', server); // b1 is back; b2 died during the outage
    await vi.advanceTimersByTimeAsync(0);
    expect(ids(live)).toEqual(['b1']);
  });
});

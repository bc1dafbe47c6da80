// Requests started in slices (messaging/slices.ts): in the order they came, at most SLICE_REQUESTS per turn of the
// event loop, what a slice answered sent (as the reply outbox does: a setImmediate queued once the handler's
// promise settles) before the next slice starts; a message that comes while others wait goes behind them; a job
// that throws stops nothing, nor does a report that throws.
import { describe, expect, it } from 'vitest';
import { COMPACT_AFTER, SLICE_REQUESTS, Slices } from '../../src/messaging/slices.js';
import { waitFor } from '../setup/helpers.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
/** Resolves after the microtasks queued so far (a slice queued by run() included). */
const microtasks = () => new Promise<void>((resolve) => queueMicrotask(resolve));
const jobs = (n: number, job: (i: number) => void) => Array.from({ length: n }, (_, i) => () => job(i));

describe('slices of requests', () => {
  it('starts a message of few requests in the same turn, once the rest of the read is queued', async () => {
    const started: number[] = [];
    const slices = new Slices(() => undefined);
    slices.run(jobs(3, (i) => started.push(i)));
    expect(started).toEqual([]); // a microtask later: after the other messages of the read
    await microtasks();
    expect(started).toEqual([0, 1, 2]);
    expect(slices.waiting).toBe(0);
  });

  it('starts a larger one a slice per turn, in order, what a slice answered sent before the next starts', async () => {
    const log: string[] = [];
    const slices = new Slices(() => undefined);
    const total = 2 * SLICE_REQUESTS + 5;
    // each job answers as a handler and the reply outbox do: once its promise settles, in a setImmediate
    slices.run(
      jobs(total, (i) => {
        log.push(`start ${i}`);
        void Promise.resolve().then(() => setImmediate(() => log.push(`sent ${i}`)));
      }),
    );
    await microtasks();
    expect(log.filter((l) => l.startsWith('start'))).toHaveLength(SLICE_REQUESTS);
    expect(slices.waiting).toBe(total - SLICE_REQUESTS);
    await waitFor(() => log.filter((l) => l.startsWith('sent')).length === total, { what: 'every answer sent' });
    const starts = log.filter((l) => l.startsWith('start')).map((l) => Number(l.split(' ')[1]));
    expect(starts).toEqual(Array.from({ length: total }, (_, i) => i));
    // the first slice's last answer went out before the second slice's first request started, and so on
    const at = (entry: string) => log.indexOf(entry);
    expect(at(`sent ${SLICE_REQUESTS - 1}`)).toBeLessThan(at(`start ${SLICE_REQUESTS}`));
    expect(at(`sent ${2 * SLICE_REQUESTS - 1}`)).toBeLessThan(at(`start ${2 * SLICE_REQUESTS}`));
    expect(slices.waiting).toBe(0);
  });

  it('counts the messages of one read together: two of 20 start 32 in the first turn', async () => {
    const started: string[] = [];
    const slices = new Slices(() => undefined);
    slices.run(jobs(20, (i) => started.push(`a${i}`)));
    slices.run(jobs(20, (i) => started.push(`b${i}`)));
    await microtasks();
    expect(started).toHaveLength(SLICE_REQUESTS);
    await waitFor(() => started.length === 40, { what: 'all started' });
    expect(started).toEqual([...jobs(20, () => 0).map((_, i) => `a${i}`), ...jobs(20, () => 0).map((_, i) => `b${i}`)]);
  });

  it('puts a message that comes while others wait behind them, and one after the queue emptied first again', async () => {
    const started: string[] = [];
    const slices = new Slices(() => undefined);
    slices.run(jobs(SLICE_REQUESTS + 1, (i) => started.push(`a${i}`)));
    await microtasks();
    slices.run([() => started.push('b')]);
    await microtasks();
    expect(started).not.toContain('b'); // a's last one waits for the next turn, so b waits behind it
    expect(started).not.toContain(`a${SLICE_REQUESTS}`);
    await waitFor(() => started.includes('b'), { what: 'b started' });
    expect(started.slice(-2)).toEqual([`a${SLICE_REQUESTS}`, 'b']);
    await nextTurn();
    slices.run([() => started.push('c')]);
    await microtasks();
    expect(started.at(-1)).toBe('c'); // nothing waited: in the same turn
  });

  it('keeps the order under a backlog that never empties (its started slots go as it runs)', async () => {
    const started: number[] = [];
    const slices = new Slices(() => undefined);
    let next = 0;
    const feed = () => slices.run(jobs(SLICE_REQUESTS + 8, () => started.push(next++)));
    // each turn brings more than a slice takes: the queue is never empty while 100 turns of messages come
    let kept = 0; // slots of started requests still held
    for (let turn = 0; turn < 100; turn++) {
      feed();
      kept = Math.max(kept, slices.held - slices.waiting);
      await nextTurn();
    }
    expect(slices.waiting).toBeGreaterThan(0); // it never emptied
    await waitFor(() => slices.waiting === 0, { what: 'the backlog worked off' });
    expect(started).toEqual(Array.from({ length: 100 * (SLICE_REQUESTS + 8) }, (_, i) => i));
    // 4,000 requests went through it, the slots of those started dropped as it ran
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(COMPACT_AFTER + SLICE_REQUESTS);
    expect(slices.held).toBe(0);
  });

  it('reports a job that throws and starts the others, then and in later slices, even if the report throws', async () => {
    const errors: unknown[] = [];
    const started: number[] = [];
    const slices = new Slices((err) => {
      errors.push(err);
      throw new Error('the report failed');
    });
    const total = SLICE_REQUESTS + 3;
    slices.run(
      jobs(total, (i) => {
        if (i === 1 || i === SLICE_REQUESTS + 1) throw new Error(`job ${i}`);
        started.push(i);
      }),
    );
    await waitFor(() => slices.waiting === 0 && started.length === total - 2, { what: 'the others started' });
    expect(errors.map((e) => (e as Error).message)).toEqual(['job 1', `job ${SLICE_REQUESTS + 1}`]);
    slices.run([() => started.push(-1)]);
    await microtasks();
    expect(started.at(-1)).toBe(-1); // not stuck
  });
});

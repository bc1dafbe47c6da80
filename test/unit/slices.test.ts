// Requests started in slices (messaging/slices.ts): in the order they came, at most SLICE_REQUESTS per turn of the
// event loop, the answers of a slice sent (a setImmediate of the turn, as the reply outbox's) before the next
// slice starts; a message that comes while others wait goes behind them; a job that throws stops nothing.
import { describe, expect, it } from 'vitest';
import { SLICE_REQUESTS, Slices } from '../../src/messaging/slices.js';
import { waitFor } from '../setup/helpers.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('slices of requests', () => {
  it('starts a message of few requests at once, all in the call', () => {
    const started: number[] = [];
    const slices = new Slices(() => undefined);
    slices.run([1, 2, 3].map((n) => () => started.push(n)));
    expect(started).toEqual([1, 2, 3]);
    expect(slices.waiting).toBe(0);
  });

  it('starts a larger one a slice per turn, in order, what a slice answered sent before the next starts', async () => {
    const log: string[] = [];
    const slices = new Slices(() => undefined);
    const total = 2 * SLICE_REQUESTS + 5;
    // each job answers as the reply outbox does: in a setImmediate of the turn it ran in
    const jobs = Array.from({ length: total }, (_, i) => () => {
      log.push(`start ${i}`);
      setImmediate(() => log.push(`sent ${i}`));
    });
    slices.run(jobs);
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

  it('puts a message that comes while others wait behind them, and one after the queue emptied first again', async () => {
    const started: string[] = [];
    const slices = new Slices(() => undefined);
    slices.run(Array.from({ length: SLICE_REQUESTS + 1 }, (_, i) => () => started.push(`a${i}`)));
    slices.run([() => started.push('b')]);
    expect(started).not.toContain('b'); // a's last one waits, so b waits behind it
    await waitFor(() => started.includes('b'), { what: 'b started' });
    expect(started.slice(-2)).toEqual([`a${SLICE_REQUESTS}`, 'b']);
    await nextTurn();
    slices.run([() => started.push('c')]);
    expect(started.at(-1)).toBe('c'); // nothing waits: at once
  });

  it('reports a job that throws and starts the others, then and in later slices', async () => {
    const errors: unknown[] = [];
    const started: number[] = [];
    const slices = new Slices((err) => errors.push(err));
    const total = SLICE_REQUESTS + 3;
    slices.run(
      Array.from({ length: total }, (_, i) => () => {
        if (i === 1 || i === SLICE_REQUESTS + 1) throw new Error(`job ${i}`);
        started.push(i);
      }),
    );
    await waitFor(() => slices.waiting === 0 && started.length === total - 2, { what: 'the others started' });
    expect(errors.map((e) => (e as Error).message)).toEqual(['job 1', `job ${SLICE_REQUESTS + 1}`]);
    slices.run([() => started.push(-1)]);
    expect(started.at(-1)).toBe(-1); // not stuck
  });
});

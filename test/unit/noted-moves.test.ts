// A move's target waits for its source's word that the leaving note is on disk before naming itself in the metadata.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotedMoves } from '../../src/internal.js';

describe('the word that a move is noted at its source', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is waited for when the receive comes first', async () => {
    const noted = new NotedMoves(1_000);
    const waiting = noted.wait('m1');
    noted.tell('m1', true);
    await expect(waiting).resolves.toBe(true);
  });

  it('is kept when it comes before its receive is handled', async () => {
    const noted = new NotedMoves(1_000);
    noted.tell('m1', true);
    await vi.advanceTimersByTimeAsync(500);
    await expect(noted.wait('m1')).resolves.toBe(true);
  });

  it('says no when the source could not write its note', async () => {
    const noted = new NotedMoves(1_000);
    const waiting = noted.wait('m1');
    noted.tell('m1', false);
    await expect(waiting).resolves.toBe(false);
  });

  it('says no when no word comes within the bound, from when the receive asks', async () => {
    const noted = new NotedMoves(1_000);
    const waiting = noted.wait('m1');
    await vi.advanceTimersByTimeAsync(999);
    noted.tell('other', true);
    await vi.advanceTimersByTimeAsync(1);
    await expect(waiting).resolves.toBe(false);
  });

  it('keeps a word said long before its receive asks (a slow metadata read), for longer than a wait', async () => {
    const noted = new NotedMoves(1_000);
    noted.tell('m1', true);
    await vi.advanceTimersByTimeAsync(2_500); // past one bound: the word is still there
    await expect(noted.wait('m1')).resolves.toBe(true);
  });

  it('drops a word nobody asks for, and leaves no timer behind', async () => {
    const noted = new NotedMoves(1_000);
    noted.tell('a', true);
    const b = noted.wait('b');
    noted.tell('b', true);
    await expect(b).resolves.toBe(true);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(vi.getTimerCount()).toBe(0);
    const late = noted.wait('a'); // forgotten: its receive never came in time
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(late).resolves.toBe(false);
  });
});

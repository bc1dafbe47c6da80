// A live holder that refuses the retires it is owed is not sent them again at every tick: the tries thin out
// (1 s, 2 s, 4 s, ... up to 60 s), a success ends the debt, and a holder refusing for 10 minutes is let go.
import { describe, expect, it } from 'vitest';
import { OwedRetires } from '../../src/backend/owed-retires.js';

function owedWith(answer: () => Promise<void>) {
  let clock = 0;
  const sent: string[][] = [];
  const errors: unknown[] = [];
  const owed = new OwedRetires({
    retire: (_holder, ids) => {
      sent.push(ids);
      return answer();
    },
    names: () => false,
    changing: () => false,
    log: { info: () => undefined },
    onBackgroundError: (err) => void errors.push(err),
    now: () => clock,
  });
  /** A tick at `ms` on the clock, after the sends it started have ended. */
  const tickAt = async (ms: number) => {
    clock = ms;
    owed.tick(new Set(['holder']));
    await new Promise((r) => setImmediate(r));
  };
  return { owed, sent, errors, tickAt };
}

describe('retires owed to a holder that refuses them', () => {
  it('are tried again after 1 s, 2 s, 4 s, not at every tick', async () => {
    const { owed, sent, errors, tickAt } = owedWith(() => Promise.reject(new Error('refused')));
    owed.later('holder', ['a', 'b']);
    const triedAt: number[] = [];
    for (let ms = 0; ms <= 8_000; ms += 500) {
      const before = sent.length;
      await tickAt(ms);
      if (sent.length > before) triedAt.push(ms);
    }
    expect(triedAt).toEqual([0, 1_000, 3_000, 7_000]);
    expect(errors).toHaveLength(4);
    expect(owed.owedTo('holder')).toBe(2); // kept: the holder may take them later
  });

  it('are sent once the holder takes them, and the wait starts over at the next refusal', async () => {
    let refuse = true;
    const { owed, sent, tickAt } = owedWith(() => (refuse ? Promise.reject(new Error('refused')) : Promise.resolve()));
    owed.later('holder', ['a']);
    await tickAt(0);
    await tickAt(1_000);
    expect(sent).toHaveLength(2);
    refuse = false;
    await tickAt(3_000);
    expect(sent).toHaveLength(3);
    expect(owed.owedTo('holder')).toBe(0);
    refuse = true;
    owed.later('holder', ['c']);
    await tickAt(3_500);
    await tickAt(4_500); // 1 s after this refusal, not 4 s
    expect(sent.map((ids) => ids.join())).toEqual(['a', 'a', 'a', 'c', 'c']);
  });

  it('are let go after 10 minutes of refusals (the holder scrub finds the copies)', async () => {
    const { owed, sent, tickAt } = owedWith(() => Promise.reject(new Error('refused')));
    owed.later('holder', ['a']);
    for (let ms = 0; ms <= 10 * 60_000; ms += 30_000) await tickAt(ms);
    expect(owed.owedTo('holder')).toBe(1);
    const tries = sent.length;
    await tickAt(10 * 60_000 + 1);
    expect(owed.owedTo('holder')).toBe(0);
    await tickAt(11 * 60_000);
    expect(sent).toHaveLength(tries);
  });
});

// The client's placement, on a list of backends it is handed: class-aware, and a backend without responders is left out.
import { describe, expect, it } from 'vitest';
import { NoBackendForClassError, NoBackendsError } from '../../src/index.js';
import { RandomPlacement } from '../../src/client/placement.js';
import type { BackendInfo } from '../../src/metadata/types.js';

const backend = (id: string, classes: string[]): BackendInfo => ({
  id,
  host: 'h',
  pid: 1,
  startedAt: 0,
  heartbeatAt: 0,
  classes,
});

function placement(backends: BackendInfo[]): { placement: RandomPlacement; asked: () => number } {
  let asked = 0;
  const lookups = {
    listBackends: async () => {
      asked++;
      return backends;
    },
  };
  return { placement: new RandomPlacement(lookups), asked: () => asked };
}

describe('client placement', () => {
  it('chooses only backends that have every class asked for', async () => {
    const { placement: p } = placement([backend('a', ['X']), backend('b', ['X', 'Y']), backend('c', ['Y'])]);
    const chosen = new Set<string>();
    for (let i = 0; i < 200; i++) chosen.add(await p.choose(['X', 'Y']));
    expect([...chosen]).toEqual(['b']);
  });

  it('no live backend with the class: a typed error naming the class and the live backends', async () => {
    const { placement: p } = placement([backend('a', ['X']), backend('b', ['X'])]);
    const err = await p.choose(['Z']).catch((e) => e);
    expect(err).toBeInstanceOf(NoBackendForClassError);
    expect(err.data).toEqual({ className: 'Z', backends: ['a', 'b'] });
  });

  it('no backends at all: NoBackendsError', async () => {
    await expect(placement([]).placement.choose(['X'])).rejects.toBeInstanceOf(NoBackendsError);
  });

  it('a backend that had no responders is not chosen again while the list still names it', async () => {
    const { placement: p, asked } = placement([backend('a', ['X']), backend('b', ['X'])]);
    await p.choose(['X']);
    await p.unavailable('a');
    expect(asked()).toBe(2); // the list is asked again at once
    for (let i = 0; i < 100; i++) expect(await p.choose(['X'])).toBe('b');
  });
});

// The client's gathering of one turn's persists (runtime/persist-batches.ts) against a fake of the requests: what
// it sends, and which caller gets which outcome. The real backend's side is test/integration/persist-batches.test.ts.
import { describe, expect, it } from 'vitest';
import { AlreadyPersistentError, ProtocolError } from '../../src/index.js';
import { toWireError } from '../../src/messaging/envelope.js';
import { type RequestContext, sessionStorage } from '../../src/object/context.js';
import { PersistBatches } from '../../src/runtime/persist-batches.js';
import type { WireRecord } from '../../src/serialization/graph.js';

type Sent = { target: string; op: string; body: unknown[]; context?: RequestContext; entered?: RequestContext };

/** A fake of Requests: records what is sent, answers with `answer`. */
function requests(answer: (sent: Sent) => Promise<unknown>) {
  const sent: Sent[] = [];
  return {
    sent,
    fake: {
      batchBudget: () => 1024 * 1024,
      request: (target: string, op: string, body: unknown[], _label: unknown, context?: RequestContext) => {
        const s = { target, op, body, context, entered: sessionStorage.getStore() };
        sent.push(s);
        return answer(s);
      },
    } as unknown as ConstructorParameters<typeof PersistBatches>[0],
  };
}

const session: RequestContext = { username: 'u', dataset: 'ds' };
const graph = (id: string): WireRecord[] => [[id, 'C', new Uint8Array([1])]];

describe('persists of one turn', () => {
  it('go to one backend in one persistEach, each caller with its own outcome', async () => {
    const r = requests(async ({ op, body }) => {
      expect(op).toBe('persistEach');
      return (body[1] as WireRecord[][]).map(([[id]]) =>
        id === 'b' ? toWireError(new AlreadyPersistentError('b', 'elsewhere')) : null,
      );
    });
    const batches = new PersistBatches(r.fake);
    const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((id) => batches.persist('be1', session, graph(id))));
    expect(r.sent).toHaveLength(1);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(AlreadyPersistentError);
  });

  it('a persist alone, one to another backend, or one with its own abort signal goes as a plain persist', async () => {
    const r = requests(async () => undefined);
    const batches = new PersistBatches(r.fake);
    await batches.persist('be1', session, graph('a'));
    await Promise.all([
      batches.persist('be1', session, graph('b')),
      batches.persist('be2', session, graph('c')),
      batches.persist('be1', { ...session, signal: new AbortController().signal }, graph('d')),
    ]);
    expect(r.sent.map((s) => `${s.op} ${s.target}`).sort()).toEqual([
      'persist be1',
      'persist be1',
      'persist be1',
      'persist be2',
    ]);
  });

  it("requests are made in the persists' context (their timeout), named to each request, never entered", async () => {
    const r = requests(async ({ op, body }) =>
      op === 'persistEach' ? (body[1] as unknown[]).map(() => null) : undefined,
    );
    const batches = new PersistBatches(r.fake);
    const timed: RequestContext = { ...session, timeoutMs: 1234 };
    await Promise.all(['a', 'b'].map((id) => batches.persist('be1', timed, graph(id))));
    await batches.persist('be1', timed, graph('c'));
    expect(r.sent.map((s) => [s.op, s.context?.timeoutMs])).toEqual([
      ['persistEach', 1234],
      ['persist', 1234],
    ]);
    // entering a context turns on Node 20's promise hooks for the whole process: the batch only names it
    expect(r.sent.map((s) => s.entered)).toEqual([undefined, undefined]);
  });

  it('a backend of an older build (no persistEach) gets each persist again alone, and alone from then on', async () => {
    const r = requests(async ({ op }) => {
      if (op === 'persistEach')
        throw new ProtocolError("unknown operation 'persistEach'", { operation: 'persistEach' });
      return undefined;
    });
    const batches = new PersistBatches(r.fake);
    await Promise.all(['a', 'b'].map((id) => batches.persist('old', session, graph(id))));
    await Promise.all(['c', 'd'].map((id) => batches.persist('old', session, graph(id))));
    expect(r.sent.map((s) => s.op)).toEqual(['persistEach', 'persist', 'persist', 'persist', 'persist']);
    expect(r.sent.every((s) => s.context === session)).toBe(true); // those sent again too
  });

  it('a failure of the whole request fails every caller of it with that error', async () => {
    const lost = new Error('no responders');
    const r = requests(async () => {
      throw lost;
    });
    const batches = new PersistBatches(r.fake);
    const outcomes = await Promise.allSettled(['a', 'b'].map((id) => batches.persist('be1', session, graph(id))));
    expect(outcomes.map((o) => (o as PromiseRejectedResult).reason)).toEqual([lost, lost]);
  });
});

// An object's end while other things happen to it (docs/lifecycle.md): an alias added during its delete, a recursive
// delete and a garbage collection meeting an object that is being moved, and a reference handed from one object to
// another while a collection's walk runs. A cluster of its own: a collection deletes whatever no alias reaches.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AliasDoesNotExistError, Client, DevCluster, DoesNotExistError } from '../../src/index.js';
import { Gate, GraphNode, Person } from '../models/index.js';
import { tempDir, uniqueAlias, waitFor } from '../setup/helpers.js';
import { TEST_MODELS } from '../setup/models.js';

let cluster: DevCluster;
let client: Client;

beforeAll(async () => {
  cluster = await DevCluster.start({
    models: TEST_MODELS,
    backends: 3,
    namespace: 'lifecycle-races',
    backendArgs: ['--metrics-port', '0'],
  });
  client = await new Client({ ...cluster.connectOptions, namespace: 'lifecycle-races', timeoutMs: 30_000 }).start();
});
afterAll(async () => {
  await client?.stop();
  await cluster?.stop();
});

const gone = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(DoesNotExistError);

async function node(name: string, backendId: string, links: GraphNode[] = [], alias?: string): Promise<GraphNode> {
  const n = new GraphNode(name);
  n.links = links;
  await n.makePersistent({ backendId, alias });
  return n;
}

/** How many `refs` requests (a walk of the graph reading references) the backend has answered. */
async function refsAnswered(backendId: string): Promise<number> {
  const url = (await client.getBackends()).get(backendId)?.metricsUrl;
  if (!url) throw new Error(`${backendId} serves no metrics`);
  const text = await (await fetch(url)).text();
  const m = /dataclay_requests_total\{[^}]*op="refs"[^}]*outcome="ok"[^}]*\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

/**
 * `a` (on backend-2) starts a call that holds it, and a move of it to backend-3 that waits for that call. Returns
 * what lets the call end (the move then completes), and the call's and the move's promises.
 */
async function holdAndMove(a: GraphNode): Promise<{ release: () => Promise<void>; settled: Promise<unknown> }> {
  const latch = await node('latch', 'backend-1', [], uniqueAlias('latch')); // aliased: a collection keeps it
  const held = a.hold(latch);
  await waitFor(() => a.dcGet('holding'), { what: 'the call holding the object' }); // before the move: then it waits
  const moving = a.move('backend-3');
  return { release: () => latch.release(), settled: Promise.all([held, moving]) };
}

describe('delete and alias creation', () => {
  it('an alias added while its object is being deleted never outlives it', async () => {
    const people = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const p = new Person(`racer-${i}`, 1);
        await p.makePersistent({ backendId: `backend-${(i % 3) + 1}` });
        return p;
      }),
    );
    const aliases = people.map((_, i) => uniqueAlias(`race-${i}`));
    const outcomes = await Promise.all(
      people.map((p, i) => Promise.allSettled([p.dcDelete(), p.addAlias(aliases[i])])),
    );
    for (const [deleted, aliased] of outcomes) {
      expect(deleted.status).toBe('fulfilled');
      // an alias that lost the race is refused as naming an object that does not exist
      if (aliased.status === 'rejected') expect(aliased.reason).toBeInstanceOf(DoesNotExistError);
    }
    // every object is gone: no alias may name one of them. A leftover one would answer DoesNotExistError for ever;
    // the lookups' memory of aliases may still hold one a moment after the delete removed it, so wait for it
    for (const alias of aliases) {
      const lookup = () =>
        Person.getByAlias(alias).then(
          () => 'found',
          (err) => (err instanceof AliasDoesNotExistError ? 'no alias' : err.name),
        );
      await waitFor(lookup, { until: (r) => r === 'no alias', timeoutMs: 10_000, what: `alias ${alias} gone` });
    }
  });
});

describe('following moves', () => {
  it('a recursive delete that meets an object being moved follows it to its new owner', async () => {
    const b = await node('b', 'backend-2');
    const a = await node('a', 'backend-2', [b]);
    const root = await node('root', 'backend-1', [a]);
    const { release, settled } = await holdAndMove(a);
    const before = await refsAnswered('backend-2');
    const deleting = root.dcDelete({ recursive: true });
    // the delete's walk has read `a` on backend-2 while it was leaving; now the move may end, and the delete meets it
    await waitFor(() => refsAnswered('backend-2'), { until: (n) => n > before, what: 'the walk reading backend-2' });
    await release();
    await settled;
    expect(await deleting).toBe(3);
    for (const n of [root, a, b]) await gone(n.dcGet('name'));
  });

  it('a garbage collection that meets an object being moved keeps what it references', async () => {
    const b = await node('b', 'backend-2');
    const a = await node('a', 'backend-2', [b]);
    await node('aliased', 'backend-1', [a], uniqueAlias('keeps-a'));
    const { release, settled } = await holdAndMove(a);
    // the whole collection runs while `a` is leaving (the move waits for the call that holds it)
    const report = await client.collectGarbage();
    await release();
    await settled;
    expect(report.sample).not.toContain(b.id);
    expect(a.backendId).toBe('backend-3');
    expect(await a.linkNames()).toEqual(['b']);
  });
});

describe('garbage collection while the graph changes', () => {
  it('a reference handed from an object the walk has not read to one it has read survives', async () => {
    // aliased A → R, X; X → G (its state hook holds backend-3 when armed) → U → Z. The walk reads R, then stops
    // in G; meanwhile U hands Z to R; the walk goes on and reads U, which no longer holds Z
    const dir = tempDir('gate');
    const Z = await node('Z', 'backend-2');
    const U = await node('U', 'backend-2', [Z]);
    const G = new Gate('G', dir);
    G.links = [U];
    await G.makePersistent({ backendId: 'backend-3' });
    const X = await node('X', 'backend-2', [G]);
    const R = await node('R', 'backend-1');
    await node('A', 'backend-1', [R, X], uniqueAlias('rewired'));
    writeFileSync(path.join(dir, 'armed'), '');
    const collecting = client.collectGarbage();
    await waitFor(() => existsSync(path.join(dir, 'entered')), { what: 'the walk reading G' });
    await U.handOver(R);
    writeFileSync(path.join(dir, 'open'), '');
    const report = await collecting;
    expect(report.sample).not.toContain(Z.id);
    expect(await R.linkNames()).toEqual(['Z']);
    expect(await U.linkNames()).toEqual([]);
  });
});

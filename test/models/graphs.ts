// Models for an object's end under concurrency (test/integration/lifecycle-races.test.ts): graph nodes whose calls
// can hold their object as long as a test wants, hand a reference over, and a gate that holds a collection's walk.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DataClayObject, activemethod, persistent, type StateHooks } from '../../src/index.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

@persistent
export class GraphNode extends DataClayObject {
  name: string;
  links: GraphNode[] = [];
  holding = false;
  released = false;

  constructor(name = '') {
    super();
    this.name = name;
  }

  /**
   * Runs (holding its object: a move or a delete of it waits for the call) until `latch` is released, at most 60 s.
   * The latch is another object: requests for this one wait while it is being moved.
   */
  @activemethod
  async hold(latch: GraphNode): Promise<void> {
    this.holding = true;
    const until = Date.now() + 60_000;
    while (!(await latch.dcGet('released')) && Date.now() < until) await tick();
    this.holding = false;
  }

  @activemethod
  async release(): Promise<void> {
    this.released = true;
  }

  /** Moves this node's links to `to`: cleared here first, then added there (two objects, two backends). */
  @activemethod
  async handOver(to: GraphNode): Promise<void> {
    const moved = this.links;
    this.links = [];
    await to.dcSet('links', [...(await to.dcGet('links')), ...moved]);
  }

  @activemethod
  async linkNames(): Promise<string[]> {
    return Promise.all(this.links.map((l) => l.dcGet('name')));
  }
}

const SLEEP = new Int32Array(new SharedArrayBuffer(4));

/**
 * A node with its own state hooks, one of which can hold its whole backend still: when `<dir>/armed` exists, the
 * next read of its state (a garbage collection's walk reading its references) writes `<dir>/entered` and waits,
 * synchronously, for `<dir>/open` (at most 30 s). It lets a test change the graph at a known point of a walk.
 */
@persistent
export class Gate extends GraphNode implements StateHooks<{ name: string; dir: string; links: GraphNode[] }> {
  dir: string;

  constructor(name = '', dir = '') {
    super(name);
    this.dir = dir;
  }

  dcGetState(): { name: string; dir: string; links: GraphNode[] } {
    const armed = path.join(this.dir, 'armed');
    if (this.dir !== '' && existsSync(armed)) {
      rmSync(armed);
      writeFileSync(path.join(this.dir, 'entered'), '');
      const until = Date.now() + 30_000;
      while (!existsSync(path.join(this.dir, 'open')) && Date.now() < until) Atomics.wait(SLEEP, 0, 0, 5);
    }
    return { name: this.name, dir: this.dir, links: this.links };
  }

  dcSetState(state: { name: string; dir: string; links: GraphNode[] }): void {
    this.name = state.name;
    this.dir = state.dir;
    this.links = state.links;
  }
}

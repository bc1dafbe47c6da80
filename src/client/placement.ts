// The client's placement: new objects go to a live backend at random, unless the caller names one.
import { BackendNotFoundError, NoBackendsError } from '../errors.js';
import type { BackendInfo } from '../metadata/types.js';
import type { Lookups } from '../runtime/lookups.js';
import type { Placement } from '../runtime/placement.js';

export class RandomPlacement implements Placement {
  private backends: BackendInfo[] | undefined;

  constructor(private readonly lookups: Pick<Lookups, 'listBackends'>) {}

  /** The live backends, asked again (and remembered for the next choice). */
  async refresh(): Promise<BackendInfo[]> {
    this.backends = await this.lookups.listBackends();
    return this.backends;
  }

  async choose(): Promise<string> {
    let backends = this.backends?.length ? this.backends : await this.refresh();
    if (backends.length === 0) backends = await this.refresh();
    backends = backends.filter((b) => !b.draining); // a draining backend refuses new objects
    if (backends.length === 0) throw new NoBackendsError();
    return backends[Math.floor(Math.random() * backends.length)].id;
  }

  /** New objects an argument references go next to the callee. */
  forReferences(callee: string): string {
    return callee;
  }

  async check(backendId: string): Promise<void> {
    if (this.backends?.some((b) => b.id === backendId)) return;
    const backends = await this.refresh();
    if (!backends.some((b) => b.id === backendId))
      throw new BackendNotFoundError(
        backendId,
        backends.map((b) => b.id),
      );
  }
}

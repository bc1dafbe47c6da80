// The client's placement: new objects go to a live backend that has their classes, at random, unless the caller
// names one. The list of live backends is asked of the cluster (md.backends) and kept current while in use.
import { BackendNotFoundError, NoBackendForClassError, NoBackendsError } from '../errors.js';
import { BACKEND_STALE_MS, HEARTBEAT_MS } from '../metadata/live-set.js';
import type { BackendInfo } from '../metadata/types.js';
import type { Lookups } from '../runtime/lookups.js';
import type { Placement } from '../runtime/placement.js';

export class RandomPlacement implements Placement {
  private backends: BackendInfo[] = [];
  /** When the list was last asked for (performance.now()); -Infinity: never. */
  private askedAt = Number.NEGATIVE_INFINITY;
  private asking: Promise<BackendInfo[]> | undefined;
  /** Backends that had no responders, until when they are left out (the live set drops a dead one by then). */
  private readonly gone = new Map<string, number>();

  constructor(private readonly lookups: Pick<Lookups, 'listBackends'>) {}

  /** The live backends, asked again (and remembered for the next choices); concurrent callers share one request. */
  refresh(): Promise<BackendInfo[]> {
    this.asking ??= this.lookups
      .listBackends()
      .then((backends) => {
        this.backends = backends;
        this.askedAt = performance.now();
        return backends;
      })
      .finally(() => (this.asking = undefined));
    return this.asking;
  }

  async choose(classes: readonly string[]): Promise<string> {
    const age = performance.now() - this.askedAt;
    // in use: a list older than a heartbeat is refreshed in the background (joiners get objects within seconds)
    const stale = this.backends.length === 0 || age > BACKEND_STALE_MS;
    if (stale) await this.refresh();
    else if (age > HEARTBEAT_MS) this.refresh().catch(() => undefined);
    let fit = this.fitting(classes);
    if (fit.length === 0 && !stale) {
      await (this.asking ?? this.refresh()); // a backend with the class may have joined since
      fit = this.fitting(classes);
    }
    if (fit.length > 0) return fit[Math.floor(Math.random() * fit.length)].id;
    const live = this.candidates();
    if (live.length === 0) throw new NoBackendsError();
    const missing = classes.find((c) => !live.some((b) => b.classes.includes(c)))!;
    throw new NoBackendForClassError(
      missing,
      live.map((b) => b.id),
    );
  }

  /** New objects an argument references go next to the callee. */
  forReferences(callee: string): string {
    return callee;
  }

  async check(backendId: string): Promise<void> {
    if (this.backends.some((b) => b.id === backendId)) return;
    const backends = await this.refresh();
    if (!backends.some((b) => b.id === backendId))
      throw new BackendNotFoundError(
        backendId,
        backends.map((b) => b.id),
      );
  }

  async unavailable(backendId: string): Promise<void> {
    this.gone.set(backendId, performance.now() + BACKEND_STALE_MS);
    await this.refresh().catch(() => undefined);
  }

  private candidates(): BackendInfo[] {
    const now = performance.now();
    for (const [id, until] of this.gone) if (until <= now) this.gone.delete(id);
    return this.backends.filter((b) => !this.gone.has(b.id) && !b.draining); // a draining one refuses new objects
  }

  private fitting(classes: readonly string[]): BackendInfo[] {
    return this.candidates().filter((b) => classes.every((c) => b.classes.includes(c)));
  }
}

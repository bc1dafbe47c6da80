// The epoch of each object this backend masters (docs/failover.md): how many times the object changed master by a
// promotion or a move. It travels with every write to the object's backups, which refuse an older one: that is how
// a master that lost an object while it was paused or cut off cannot change it any more.
import type { Heap } from './heap.js';
import type { ObjectStore } from './object-store.js';

export class Epochs {
  /** Loaded, promoted or received objects at an epoch above 0; one never seen since the start reads its record. */
  private readonly known = new Map<string, number>();

  /**
   * `loaded`: the objects in memory. Each got its epoch here when it was loaded, made, received or promoted, so one
   * of them not `known` is at epoch 0, and its record is not read again (every save asks: a read of the store per
   * changed object, a miss for a new one).
   */
  constructor(
    private readonly objects: Pick<ObjectStore, 'get'>,
    private readonly loaded: Pick<Heap, 'has'> = { has: () => false },
  ) {}

  of(id: string): number {
    const known = this.known.get(id);
    if (known !== undefined) return known;
    return this.loaded.has(id) ? 0 : (this.objects.get(id)?.[5] ?? 0);
  }

  set(id: string, epoch: number | undefined): void {
    if (epoch) this.known.set(id, epoch);
    else this.known.delete(id);
  }

  delete(id: string): void {
    this.known.delete(id);
  }
}

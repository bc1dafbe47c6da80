// The epoch of each object this backend masters (docs/failover.md): how many times the object changed master by a
// promotion or a move. It travels with every write to the object's backups, which refuse an older one: that is how
// a master that lost an object while it was paused or cut off cannot change it any more.
import type { ObjectStore } from './object-store.js';

export class Epochs {
  /** Loaded, promoted or received objects; one never seen since the start reads its record. */
  private readonly known = new Map<string, number>();

  constructor(private readonly objects: Pick<ObjectStore, 'get'>) {}

  of(id: string): number {
    return this.known.get(id) ?? this.objects.get(id)?.[5] ?? 0;
  }

  set(id: string, epoch: number | undefined): void {
    if (epoch) this.known.set(id, epoch);
    else this.known.delete(id);
  }

  delete(id: string): void {
    this.known.delete(id);
  }
}

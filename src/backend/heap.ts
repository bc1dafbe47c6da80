// The objects this backend owns, by id. Memory only for now; the durable store will sit behind it.
import type { DataClayObject } from '../object/dataclay-object.js';

export class Heap {
  private readonly objects = new Map<string, DataClayObject>();

  get(id: string): DataClayObject | undefined {
    return this.objects.get(id);
  }
  has(id: string): boolean {
    return this.objects.has(id);
  }
  add(obj: DataClayObject): void {
    this.objects.set(obj.id, obj);
  }
  delete(id: string): void {
    this.objects.delete(id);
  }
  get size(): number {
    return this.objects.size;
  }
}

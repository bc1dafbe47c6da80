// The identity map: at most one live object per id in a process, held weakly so unused proxies can be collected.
import type { DataClayObject } from './dataclay-object.js';

export class IdentityMap {
  private readonly refs = new Map<string, WeakRef<DataClayObject>>();
  private readonly finalizer = new FinalizationRegistry<string>((id) => {
    if (this.refs.get(id)?.deref() === undefined) this.refs.delete(id);
  });

  get(id: string): DataClayObject | undefined {
    return this.refs.get(id)?.deref();
  }

  add(obj: DataClayObject): void {
    if (this.refs.get(obj.id)?.deref() === obj) return;
    this.refs.set(obj.id, new WeakRef(obj));
    this.finalizer.register(obj, obj.id);
  }

  delete(id: string): void {
    this.refs.delete(id);
  }
}

/** The identity map of this process. */
export const processIdentity = new IdentityMap();

// The garbage collector's write barrier (docs/lifecycle.md), a snapshot-at-the-beginning one: while a collection
// runs, this backend notes the objects referenced by every record it overwrites or removes, as the old record held
// them. The collector reads the notes after its walk and marks from them, so a reference moved while the walk ran
// (out of an object it had not read yet, into one it had) is found: whatever the graph held when the collection
// began survives it. What a write adds needs no note: an object new since the start is spared (its metadata is
// newer), and an old one it references was reachable at the start, or held only by a client (docs/lifecycle.md).
import { storedRefs } from './graph-walk.js';

/** A collection whose collector has not asked for its notes this long is forgotten (the collector died). */
const LEASE_MS = 10 * 60_000;

interface Collection {
  noted: Set<string>;
  until: number;
}

export class WriteBarrier {
  private readonly collections = new Map<string, Collection>();

  /** Whether a collection is running: asked on every write, so it costs one size check when none is. */
  get recording(): boolean {
    if (this.collections.size === 0) return false;
    const now = Date.now();
    for (const [id, c] of this.collections) if (c.until < now) this.collections.delete(id);
    return this.collections.size > 0;
  }

  /** Notes the references held by records (encoded StoredRecords) about to be overwritten or removed. */
  noteRecords(...records: (Uint8Array | undefined)[]): void {
    for (const record of records) {
      if (!record) continue;
      for (const [id] of storedRefs(record)) for (const c of this.collections.values()) c.noted.add(id);
    }
  }

  begin(gcId: string): void {
    this.collections.set(gcId, { noted: new Set(), until: Date.now() + LEASE_MS });
  }

  /** The ids noted since the last take, which are forgotten here; null: the collection is unknown here. */
  take(gcId: string): string[] | null {
    const c = this.collections.get(gcId);
    if (!c) return null;
    c.until = Date.now() + LEASE_MS;
    const ids = [...c.noted];
    c.noted.clear();
    return ids;
  }

  end(gcId: string): void {
    this.collections.delete(gcId);
  }
}

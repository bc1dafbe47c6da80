// Write-through: what a backend acknowledges is on disk first. Changes are found by comparing a digest of each
// object's encoded state with the digest of what was last read or written; the memory budget evicts to the store.
import type { TransferRecord } from '../protocol/backend-ops.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { ObjectMovedError } from '../errors.js';
import { evict } from '../object/lifecycle.js';
import { dropFields } from '../object/locality.js';
import { shapeOf } from '../object/evolution.js';
import { captureState, restoreState } from '../object/object-state.js';
import { STATE } from '../object/state.js';
import { decode, encodeState } from '../serialization/codec.js';
import type { MetadataStore } from '../metadata/store.js';
import type { RequestContext as Context } from '../object/context.js';
import type { RefResolver } from '../serialization/codec.js';
import { changedDigest, type Digest } from './digest.js';
import type { Heap } from './heap.js';
import { ObjectStore } from './object-store.js';
import type { Registrar } from './registration.js';
import type { Epochs } from './epochs.js';
import type { Replicas } from './replicas.js';
import type { WriteBarrier } from './write-barrier.js';
import { readOnlyFields, readOnlyViolation } from './replicas.js';

export interface WriteThroughDeps {
  /** Whether a move took the object away while another request still ran on it (moves.ts). */
  overran: (id: string) => boolean;
  heap: Heap;
  objects: Pick<ObjectStore, 'put' | 'remove' | 'recordBytes'>;
  store: Pick<MetadataStore, 'createObject' | 'deleteObject'>;
  registrar: Pick<Registrar, 'register' | 'create' | 'unregister' | 'metadataOf'>;
  replicas: Pick<Replicas, 'push' | 'revision' | 'order'>;
  epochs: Pick<Epochs, 'of'>;
  session: () => Context;
  resolver: RefResolver;
  barrier: Pick<WriteBarrier, 'recording' | 'noteRecords'>;
  /** Told of writes that no reply waits for (evictions) and failed. */
  onBackgroundError: (err: unknown) => void;
  /** Told of each object the budget evicts, and whether it has replicas (lease.ts forgets what it need not keep). */
  onEvicted?: (id: string, replicated: boolean) => void;
}

export class WriteThrough {
  /** Writes not tied to a reply (evictions): awaited by flush and stop. */
  private readonly background = new Set<Promise<void>>();
  /**
   * The write in flight of each object's last changed state (its record, its copies). A request whose change was
   * captured by another request's commit (both ran before either committed) finds no change of its own: it waits for
   * that write, or it would be acknowledged before its change is on any disk.
   */
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly rt: WriteThroughDeps;

  constructor(deps: WriteThroughDeps) {
    this.rt = deps;
  }

  /**
   * Writes the records of local objects whose state differs from what is stored; resolves once on disk.
   * Unregistered objects their state references become persistent here first.
   */
  save(objects: Iterable<DataClayObject>): Promise<void> {
    return (this.saveChanged(objects) ?? Promise.resolve()) as Promise<void>;
  }

  /** Writes the records of local objects again, changed or not (their epoch changed, which the digest does not cover). */
  rewrite(objects: DataClayObject[]): Promise<void> {
    for (const obj of objects) this.rt.heap.unstore(obj.id);
    return this.save(objects);
  }

  /** save() without a promise when nothing changed: the common case of a call, kept off the microtask queue. */
  private saveChanged(objects: Iterable<DataClayObject>): Promise<unknown> | undefined {
    const writes: Promise<unknown>[] = [];
    const found: DataClayObject[] = [];
    const replicated: { obj: DataClayObject; record: TransferRecord }[] = [];
    // every record is encoded before any is written: one that cannot be encoded refuses the request with nothing
    // of it on disk (a rollback then finds the last committed records)
    const records: { id: string; record: Uint8Array; digest: Digest }[] = [];
    for (const obj of objects) {
      const state = obj[STATE];
      if (state.kind !== 'owned') continue; // only this backend's loaded objects have records to write
      const stateBytes = encodeState(
        captureState(obj),
        (o) => void (o[STATE].registered || found.push(o)),
        state.info.ctor.name,
      );
      const digest = changedDigest(stateBytes, this.rt.heap.digest(state.id));
      if (digest === undefined) {
        // unchanged since last read or written: but what was written may still be on its way
        const pending = this.inFlight.get(state.id);
        if (pending) writes.push(pending);
        continue;
      }
      const epoch = this.rt.epochs.of(state.id);
      const record = ObjectStore.recordOf(state, stateBytes, epoch);
      records.push({ id: state.id, record, digest });
      if (state.replicas?.length) {
        const shape = shapeOf(state.info);
        replicated.push({
          obj,
          record: [state.id, state.info.name, state.dataset, stateBytes, shape, epoch, this.rt.replicas.order()],
        });
      }
    }
    const { barrier } = this.rt;
    const puts = records.map(({ id, record, digest }) => {
      this.rt.heap.stored(id, record.length, digest);
      // a collection runs: what the record held before this write is marked by it (write-barrier.ts)
      if (barrier.recording) barrier.noteRecords(this.rt.objects.recordBytes(id));
      return this.rt.objects.put(id, record);
    });
    writes.push(...puts);
    const registered =
      found.length > 0
        ? this.rt.registrar.register(
            [...new Set(found)].filter((o) => !o[STATE].registered),
            this.rt.session(),
          )
        : undefined;
    if (registered) writes.push(registered);
    // acknowledged once every copy has it
    const pushed = replicated.length > 0 ? this.rt.replicas.push(replicated) : undefined;
    if (pushed) writes.push(pushed);
    if (writes.length === 0) return undefined;
    const written = writes.length === 1 ? writes[0] : Promise.all(writes);
    // what a request riding on this write waits for: the object's own record, its copies, what its state references
    // (made after `written`, so the request that wrote it is answered first)
    const copied = new Set(replicated.map((r) => r.obj.id));
    records.forEach(({ id }, i) => {
      const copies = copied.has(id) ? pushed : undefined;
      this.trackInFlight(id, registered || copies ? Promise.all([puts[i], registered, copies]) : puts[i]);
    });
    return written;
  }

  private trackInFlight(id: string, written: Promise<unknown>): void {
    this.inFlight.set(id, written);
    const settled = () => this.inFlight.get(id) === written && this.inFlight.delete(id);
    written.then(settled, settled);
  }

  /**
   * What a request changed, on disk before its reply: the objects it changed or whose active methods ran in place
   * (the one it ran on included), objects it created (and their metadata).
   */
  commit(ctx: Context): Promise<void> | undefined {
    const created = ctx.created ?? []; // kept until the commit ends: a failure rolls them back (rollback.ts)
    const changed = new Set<DataClayObject>(ctx.touched);
    for (const o of created) changed.delete(o); // registration saves them, then writes their metadata
    for (const o of changed) {
      // moved away by another request while this one ran (the move's grace ran out): the state left before this
      // change, which is on no disk now, so the request must not be acknowledged
      const state = o[STATE];
      if (state.kind === 'proxy' && state.backendId !== undefined && this.rt.overran(o.id))
        throw new ObjectMovedError(o.id, state.backendId);
    }
    const saved = this.saveChanged(changed);
    if (!saved && created.length === 0) {
      this.enforceBudget();
      return undefined;
    }
    return this.commitCreated(ctx, created, saved);
  }

  private async commitCreated(
    ctx: Context,
    created: DataClayObject[],
    saved: Promise<unknown> | undefined,
  ): Promise<void> {
    await saved; // the changed objects first: if they cannot be stored, nothing new is registered
    await this.rt.registrar.create(created, ctx.dataset);
    ctx.created = [];
    this.enforceBudget();
  }

  /** Whether the object's state can be encoded (a rollback keeps a concurrent call's state only if it can). */
  encodable(obj: DataClayObject): boolean {
    try {
      encodeState(captureState(obj), undefined, obj[STATE].info.ctor.name);
      return true;
    } catch {
      return false;
    }
  }

  /** Evicts least recently used objects beyond the memory budget: saved first, then their fields dropped. */
  enforceBudget(): void {
    const victims = this.rt.heap.evictionCandidates();
    if (victims.length === 0) return;
    this.track(this.save(victims));
    for (const obj of victims) this.evict(obj);
  }

  private evict(obj: DataClayObject): void {
    const replicated = (obj[STATE].replicas?.length ?? 0) > 0;
    evict(obj);
    this.rt.heap.delete(obj.id);
    this.rt.onEvicted?.(obj.id, replicated);
  }

  private track(write: Promise<void>): void {
    const tracked = write.catch((err) => this.rt.onBackgroundError(err));
    this.background.add(tracked);
    void tracked.finally(() => this.background.delete(tracked));
  }

  /** Saves every loaded object, then drops them all from memory (they reload on next use). */
  async flushAll(): Promise<{ saved: number }> {
    const loaded = [...this.rt.heap.values()];
    await this.save(loaded);
    await Promise.all(this.background);
    for (const obj of loaded) this.evict(obj);
    return { saved: loaded.length };
  }

  /** Saves every loaded object (a clean stop). */
  async saveAll(): Promise<void> {
    await this.save([...this.rt.heap.values()]);
    await Promise.all(this.background);
  }

  /** What a read-only call starts from: its object's encoded state, and (for a replica) the master's revision. */
  readOnlyStart(obj: DataClayObject): { state: Uint8Array; revision: number } {
    return {
      state: encodeState(captureState(obj), undefined, obj[STATE].info.ctor.name),
      revision: this.rt.replicas.revision(obj.id),
    };
  }

  /**
   * After a read-only call: its object must be as it was when the call started. A change is undone and refused,
   * unless other calls ran on the object meanwhile (a writer's change is not the read-only method's) or, on a
   * replica, the master sent a new state meanwhile.
   */
  verifyReadOnly(obj: DataClayObject, method: string, start: { state: Uint8Array; revision: number }): void {
    const state = obj[STATE];
    const now = encodeState(captureState(obj), undefined, state.info.ctor.name);
    if (Buffer.compare(now, start.state) === 0) return;
    if (this.rt.heap.pinCount(state.id) > 1 || this.rt.replicas.revision(state.id) !== start.revision) return;
    if (state.kind === 'replica') dropFields(obj);
    restoreState(obj, decode(start.state, this.rt.resolver));
    if (state.kind === 'replica') readOnlyFields(obj);
    throw readOnlyViolation(obj, method);
  }
}

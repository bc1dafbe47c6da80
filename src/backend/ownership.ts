// Ownership and loading: which objects this backend answers for (in its heap, or only in its store), loading an
// evicted one back into the same instance, and telling a caller where an object it does not own is.
import { DoesNotExistError, ProtocolError, WrongBackendError } from '../errors.js';
import type { MetadataStore } from '../metadata/store.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import type { IdentityMap } from '../object/identity.js';
import { evolve, type Evolution } from '../object/evolution.js';
import { hasStateHooks, restoreState } from '../object/object-state.js';
import { classInfoByName } from '../object/registry.js';
import { loaded, newProxy, newShell } from '../object/lifecycle.js';
import { classInfoOrPlaceholder } from '../object/placeholder.js';
import { STATE, type ObjectState, type OwnedObject } from '../object/state.js';
import { decode, refsIn, type RefResolver } from '../serialization/codec.js';
import type { Heap } from './heap.js';
import type { ObjectStore, StoredRecord } from './object-store.js';
import type { Epochs } from './epochs.js';
import type { Replicas } from './replicas.js';
import { digestOf } from './digest.js';
import { inBatches } from './in-batches.js';

export interface OwnershipDeps {
  backendId: string;
  heap: Heap;
  objects: ObjectStore;
  identity: IdentityMap;
  store: Pick<MetadataStore, 'getObject'>;
  replicas: Pick<Replicas, 'holds' | 'checked'>;
  /** What a reference to an object owned elsewhere becomes. */
  proxies: RefResolver;
  /** Told of a record of an older shape loaded into the current class. */
  onEvolved?: (className: string, evolution: Evolution) => void;
  epochs?: Pick<Epochs, 'set'>;
  /**
   * Whether an owned object may be served now: undefined when it may; otherwise what to wait for first (after a
   * liveness gap, a re-check that the metadata still names this backend, lease.ts). It throws if the object is lost.
   */
  gate?: (id: string) => Promise<void> | undefined;
}

export class Ownership {
  /** Objects being moved away: requests for them wait, then go to the new owner. Resolves to it (or undefined). */
  private readonly leaving = new Map<string, Promise<string | undefined>>();
  /** resolveRef bound, for the codec. */
  readonly resolver: RefResolver = (id, className, hint) => this.resolveRef(id, className, hint);

  constructor(private readonly deps: OwnershipDeps) {}

  /** A reference's object: the loaded one, a shell of a stored one (loaded on first use), or a proxy. */
  resolveRef(id: string, className: string, hint: string | null): DataClayObject {
    const known = this.deps.heap.get(id) ?? this.deps.identity.get(id);
    if (known) return known;
    // ours, evicted or not loaded since a restart: its class is its record's, never the reference's (which anyone
    // can forge: a wrong one would re-type the stored object)
    const record = this.deps.objects.get(id);
    if (record) return this.shell(id, record[0]);
    return this.deps.proxies(id, className, hint);
  }

  /**
   * A reference names its object's class, and anyone can forge one: decoded as it is, one naming an object this
   * backend knows nothing of (mastered elsewhere) became a proxy of the forged class, kept in the identity map for
   * every later reference here, and passed the declared types of arguments and fields. Before a message from a user
   * is decoded, each such object's class is read from the metadata: another class than the reference's refuses the
   * request, the same one makes its proxy (one collected before the decode is made again, of the class now checked).
   * An object the metadata does not have is left to the decode, as before: nobody else's object is re-typed so.
   * Undefined (no wait) when the messages name no object unknown here.
   */
  vetRefs(messages: readonly Uint8Array[], own?: ReadonlySet<string>): Promise<void> | undefined {
    const unknown = new Map<string, [className: string, hint: string | null]>();
    for (const bytes of messages)
      for (const [id, className, hint] of refsIn(bytes)) {
        if (own?.has(id) || unknown.has(id) || this.knows(id)) continue;
        unknown.set(id, [className, hint]);
      }
    if (unknown.size === 0) return undefined;
    // a few reads at once: a message naming thousands of unknown objects must not flood the metadata
    return inBatches(
      [...unknown],
      async ([id, [className, hint]]) => {
        const md = await this.deps.store.getObject(id);
        if (!md) return;
        // the class it has is not said: that is for those who may read the object
        if (md.className !== className)
          throw new ProtocolError(`a reference names object ${id} with a class it does not have`, {
            part: 'reference',
          });
        if (this.knows(id)) return; // made meanwhile: that one stays
        this.deps.identity.add(newProxy(classInfoOrPlaceholder(md.className), id, md.master ?? hint ?? undefined));
      },
      32,
    );
  }

  /** Whether a reference to `id` resolves to an object this process has (loaded, stored, or a proxy met before). */
  private knows(id: string): boolean {
    return (
      this.deps.heap.get(id) !== undefined || this.deps.identity.get(id) !== undefined || this.deps.objects.has(id)
    );
  }

  /** A local object whose fields stay in the store until first used. */
  private shell(id: string, className: string): DataClayObject {
    const obj = newShell(classInfoByName(className), id, this.deps.backendId);
    this.deps.identity.add(obj);
    return obj;
  }

  /**
   * Reads an evicted object's state back from the store into the same instance (references keep pointing at it).
   * Returns its state now (owned), or its unchanged state when it was not evicted.
   */
  load(obj: DataClayObject): ObjectState {
    const state = obj[STATE];
    if (state.kind !== 'evicted') return state;
    const bytes = this.deps.objects.recordBytes(state.id); // a copy: decoding may read the store again (references)
    if (!bytes) throw new DoesNotExistError(state.id);
    const [, dataset, stateBytes, replicas, shape, epoch] = decode<StoredRecord>(bytes);
    this.deps.epochs?.set(state.id, epoch);
    const fields = decode(stateBytes, this.resolver);
    // an older shape's record loads into the current class (a newer one is refused: it would be overwritten)
    const evolved = hasStateHooks(obj)
      ? undefined
      : evolve(state.info, state.id, fields as Record<string, unknown>, shape);
    const owned: OwnedObject = loaded(obj, state, dataset, replicas); // before restoring: a state hook must not load again
    restoreState(obj, evolved?.fields ?? fields);
    if (evolved) this.deps.onEvolved?.(state.info.name, evolved.evolution);
    this.deps.heap.add(obj, bytes.length, digestOf(stateBytes));
    return owned;
  }

  /** The owned object with this id, loaded; or the error that tells the caller where it is (or that it is nowhere). */
  owned(id: string): DataClayObject | Promise<DataClayObject> {
    const leaving = this.leaving.get(id);
    if (leaving) return this.afterMove(id, leaving);
    const gate = this.deps.gate?.(id);
    if (gate) return gate.then(() => this.owned(id));
    return this.deps.heap.get(id) ?? this.ownedSlow(id);
  }

  /** An object this backend can answer reads for: its own, or a replica it still holds (checked, see replicas.ts). */
  readable(id: string): DataClayObject | Promise<DataClayObject> {
    const leaving = this.leaving.get(id);
    if (leaving) return this.afterMove(id, leaving);
    const gate = this.deps.gate?.(id);
    if (gate) return gate.then(() => this.readable(id));
    const loaded = this.deps.heap.get(id);
    if (loaded) return loaded;
    return this.deps.replicas.holds(id) ? this.deps.replicas.checked(id) : this.ownedSlow(id);
  }

  /** The object, when this backend owns it (loaded or not); undefined otherwise. No request is made. */
  ownedHere(id: string): DataClayObject | undefined {
    if (this.leaving.has(id)) return undefined;
    const obj = this.deps.heap.get(id) ?? this.deps.identity.get(id);
    if (obj && ownedKind(obj[STATE])) return obj;
    const record = this.deps.objects.get(id);
    return record ? this.shell(id, record[0]) : undefined;
  }

  /**
   * Whether this backend masters the object, from memory and its store only (no instance is made): an instance here
   * says so by its state (a proxy: it left), else the store's record does.
   */
  mastersHere(id: string): boolean {
    const obj = this.deps.heap.get(id) ?? this.deps.identity.get(id);
    return obj ? ownedKind(obj[STATE]) : this.deps.objects.has(id);
  }

  /**
   * ownedHere, an object being moved away included: until its move ends its state is here, and what it references
   * is what a walk of the graph must read (backend/graph-walk.ts), not a gap.
   */
  heldHere(id: string): DataClayObject | undefined {
    if (!this.leaving.has(id)) return this.ownedHere(id);
    const obj = this.deps.heap.get(id) ?? this.deps.identity.get(id);
    return obj && ownedKind(obj[STATE]) ? obj : undefined;
  }

  isLeaving(id: string): boolean {
    return this.leaving.has(id);
  }

  /** The end of the move (or retire) `id` is leaving in, if one holds it: resolves to the new owner or none. */
  leavingEnd(id: string): Promise<string | undefined> | undefined {
    return this.leaving.get(id);
  }

  /** From now on requests for these objects wait; the function returned ends that, with their new owner or none. */
  markLeaving(objects: DataClayObject[]): (owner: string | undefined) => void {
    let finish!: (owner: string | undefined) => void;
    const done = new Promise<string | undefined>((resolve) => (finish = resolve));
    for (const o of objects) this.leaving.set(o.id, done);
    return (owner) => {
      for (const o of objects) if (this.leaving.get(o.id) === done) this.leaving.delete(o.id);
      finish(owner);
    };
  }

  private async afterMove(id: string, leaving: Promise<string | undefined>): Promise<DataClayObject> {
    const owner = await leaving;
    if (owner !== undefined) throw new WrongBackendError(id, owner);
    return this.owned(id); // the move failed: still ours
  }

  private async ownedSlow(id: string): Promise<DataClayObject> {
    const { heap, identity, objects, store, backendId } = this.deps;
    let obj = heap.get(id) ?? identity.get(id);
    if (!obj || !ownedKind(obj[STATE])) {
      const record = objects.get(id);
      if (record) obj = obj?.[STATE].kind === 'replica' ? obj : this.shell(id, record[0]);
      else obj = undefined;
    }
    if (obj) {
      this.load(obj);
      return obj;
    }
    const md = await store.getObject(id);
    if (md?.forward !== undefined) {
      // a consolidated version: it names the original, wherever that lives now
      const original = this.ownedHere(md.forward) ? undefined : await store.getObject(md.forward);
      if (!original) return this.owned(md.forward);
      throw new WrongBackendError(id, original.master);
    }
    if (md && md.master !== backendId) throw new WrongBackendError(id, md.master);
    throw new DoesNotExistError(id);
  }
}

/** Owned by this backend, loaded or not (a replica held here is its master's). */
export function ownedKind(state: ObjectState): boolean {
  return state.kind === 'owned' || state.kind === 'evicted';
}

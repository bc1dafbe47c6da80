// Walking the object graph across backends (deletion, garbage collection): each owner reports the references its
// objects hold, in batches, round after round, until nothing new is reached. Nothing is loaded into memory to do it:
// an evicted object's references are read from its stored record.
import { BackendUnavailableError, WrongBackendError } from '../errors.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { captureState } from '../object/object-state.js';
import { STATE } from '../object/state.js';
import type { RefsReply } from '../protocol/backend-ops.js';
import { decode, encodeState, type WireRef } from '../serialization/codec.js';
import type { Heap } from './heap.js';
import type { ObjectStore, StoredRecord } from './object-store.js';
import type { Ownership } from './ownership.js';
import { hasDigest } from './digest.js';

/** Ids asked of one owner in one request: replies carry every reference of each, so keep them well under a message. */
const BATCH = 500;
/** Owners followed for an object that moves while the walk runs, like the redirects of a request (runtime/routing.ts). */
const HOPS = 3;

export interface WalkDeps {
  /** The owner of an object the references do not name, from the metadata; undefined: it does not exist. */
  ownerOf: (id: string) => Promise<string | undefined>;
  /** The references held by `ids` at `owner` (this backend answers itself). */
  refs: (owner: string, ids: string[]) => Promise<RefsReply>;
}

export interface Reached {
  owner: string;
  dataset: string;
}

/**
 * Every object reachable from `roots` (the roots included, when they exist), with its owner and dataset. `stop`: objects not
 * entered (neither they nor what only they reach). A backend that cannot answer fails the walk: a partial graph
 * would make reachable objects look like garbage.
 */
export async function reachable(
  roots: Iterable<string>,
  deps: WalkDeps,
  stop: ReadonlySet<string> = new Set(),
): Promise<Map<string, Reached>> {
  const reached = new Map<string, Reached>();
  const queued = new Set<string>();
  let frontier: [id: string, hint: string | null][] = [];
  const enqueue = (id: string, hint: string | null) => {
    if (stop.has(id) || queued.has(id)) return;
    queued.add(id);
    frontier.push([id, hint]);
  };
  for (const id of roots) enqueue(id, null);
  // an id a backend says it does not own is asked of the metadata: it moved (followed, a few hops at most) or is gone
  const hops = new Map<string, number>();
  while (frontier.length > 0) {
    const round = frontier;
    frontier = [];
    const byOwner = new Map<string, string[]>();
    await Promise.all(
      round.map(async ([id, hint]) => {
        const owner = hint ?? (await deps.ownerOf(id));
        if (owner === undefined) return; // a dangling reference: nothing to reach
        const share = byOwner.get(owner);
        if (share) share.push(id);
        else byOwner.set(owner, [id]);
      }),
    );
    const asks = [...byOwner].flatMap(([owner, ids]) => chunks(ids).map((batch) => [owner, batch] as const));
    await Promise.all(
      asks.map(async ([owner, batch]) => {
        let reply: RefsReply;
        try {
          reply = await deps.refs(owner, batch);
        } catch (err) {
          throw new BackendUnavailableError(owner, { cause: err });
        }
        const [found, missing] = reply;
        for (const [id, dataset, refs] of found) {
          reached.set(id, { owner, dataset });
          // stored references carry no owner: guess the referrer's (graphs mostly live together); a miss asks the metadata
          for (const [ref, , refHint] of refs) enqueue(ref, refHint ?? owner);
        }
        for (const id of missing) {
          const actual = await deps.ownerOf(id);
          if (actual === undefined || actual === owner) continue; // gone (or a delete cut short: no record to read)
          const n = (hops.get(id) ?? 0) + 1;
          if (n > HOPS) throw new WrongBackendError(id, actual); // it kept moving: a partial graph is no answer
          hops.set(id, n);
          frontier.push([id, actual]);
        }
      }),
    );
  }
  return reached;
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/**
 * The references held by the objects this backend owns among `ids` (one being moved away included: its state is
 * here until the move ends); the others are `missing`.
 */
export function localRefs(
  ids: string[],
  ownership: Pick<Ownership, 'heldHere'>,
  objects: Pick<ObjectStore, 'recordBytes' | 'get'>,
  heap: Pick<Heap, 'digest'>,
): RefsReply {
  const found: [string, string, WireRef[]][] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const obj = ownership.heldHere(id);
    if (obj === undefined) missing.push(id);
    else found.push([id, datasetOf(obj, objects), refsOf(obj, objects, heap)]);
  }
  return [found, missing];
}

function refsOf(obj: DataClayObject, objects: Pick<ObjectStore, 'recordBytes'>, heap: Pick<Heap, 'digest'>): WireRef[] {
  const state = obj[STATE];
  const stored = () => {
    const bytes = objects.recordBytes(state.id);
    return bytes ? storedRefs(bytes) : [];
  };
  if (state.kind !== 'owned') return stored();
  // loaded: its state now (what the last acknowledged request left, or newer)
  const refs: WireRef[] = [];
  const sink = (o: DataClayObject) => {
    const s = o[STATE];
    if (s.registered) refs.push([s.id, s.info.name, s.backendId ?? null]);
  };
  const now = encodeState(captureState(obj), sink, state.info.ctor.name);
  // changed by a call that has not committed: it may fail and roll back to the stored record, whose references count
  if (!hasDigest(now, heap.digest(state.id))) refs.push(...stored());
  return refs;
}

/** The references an encoded record holds; nothing is built (each decodes to a placeholder). */
export function storedRefs(record: Uint8Array): WireRef[] {
  const refs: WireRef[] = [];
  const [, , stateBytes] = decode<StoredRecord>(record);
  decode(stateBytes, (id, className, hint) => {
    refs.push([id, className, hint]);
    return PLACEHOLDER;
  });
  return refs;
}

function datasetOf(obj: DataClayObject, objects: Pick<ObjectStore, 'get'>): string {
  const state = obj[STATE];
  return state.dataset ?? objects.get(state.id)?.[1] ?? '';
}

const PLACEHOLDER = Object.freeze({}) as DataClayObject;

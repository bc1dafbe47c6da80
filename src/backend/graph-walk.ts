// Walking the object graph across backends (deletion, garbage collection): each owner reports the references its
// objects hold, in batches, round after round, until nothing new is reached. Nothing is loaded into memory to do it:
// an evicted object's references are read from its stored record.
import { BackendUnavailableError } from '../errors.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { captureState } from '../object/object-state.js';
import { STATE } from '../object/state.js';
import type { RefsReply } from '../protocol/backend-ops.js';
import { decode, encodeState, type WireRef } from '../serialization/codec.js';
import type { ObjectStore, StoredRecord } from './object-store.js';
import type { Ownership } from './ownership.js';

/** Ids asked of one owner in one request: replies carry every reference of each, so keep them well under a message. */
const BATCH = 500;

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
  // an id a backend says it does not own is asked of the metadata's owner once more; then it is taken as gone
  const retried = new Set<string>();
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
          if (retried.has(id)) continue;
          retried.add(id);
          const actual = await deps.ownerOf(id);
          if (actual !== undefined && actual !== owner) frontier.push([id, actual]);
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

/** The references held by the objects this backend owns among `ids`; the others are `missing`. */
export function localRefs(
  ids: string[],
  ownership: Pick<Ownership, 'ownedHere'>,
  objects: Pick<ObjectStore, 'recordBytes' | 'get'>,
): RefsReply {
  const found: [string, string, WireRef[]][] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const obj = ownership.ownedHere(id);
    if (obj === undefined) missing.push(id);
    else found.push([id, datasetOf(obj, objects), refsOf(obj, objects)]);
  }
  return [found, missing];
}

function refsOf(obj: DataClayObject, objects: Pick<ObjectStore, 'recordBytes'>): WireRef[] {
  const refs: WireRef[] = [];
  const state = obj[STATE];
  if (state.kind === 'owned') {
    // loaded: its state now (what the last acknowledged request left, or newer)
    const sink = (o: DataClayObject) => {
      const s = o[STATE];
      if (s.registered) refs.push([s.id, s.info.name, s.backendId ?? null]);
    };
    encodeState(captureState(obj), sink, state.info.ctor.name);
    return refs;
  }
  const bytes = objects.recordBytes(state.id);
  if (!bytes) return refs;
  const [, , stateBytes] = decode<StoredRecord>(bytes);
  // the references are all we want: each decodes to a placeholder, nothing is built
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

// The operations one backend answers on dc.<ns>.<space>.<user>.be.<backendId>.<op>: objects, moves and replicas,
// versions, and the backend itself. The per-call requests are tuples (no keys on the wire).
import type { BackendStats, LifecycleEvent, ObjectView } from '../metadata/types.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import type { StoredShape } from '../object/evolution.js';
import type { WireRef } from '../serialization/codec.js';
import type { WireRecord } from '../serialization/graph.js';
import type { WireError } from '../messaging/envelope.js';
import { operation, type Role, type TypesOf } from './operation.js';
import { session, type WireSession } from './session.js';
import {
  anything,
  arrayOf,
  boolean,
  bytes,
  list,
  literal,
  nullable,
  number,
  keyName,
  objectId,
  optional,
  string,
  tuple,
  type Shape,
} from './shape.js';

export type PersistRequest = [s: WireSession, records: WireRecord[], alias?: string];
/**
 * Independent graphs (no alias), each made persistent as its own `persist` would be, in one request: the backend
 * writes them in one commit. The reply has each graph's outcome, in order: null, or the error that refused it.
 */
export type PersistEachRequest = [s: WireSession, graphs: WireRecord[][]];
export type CallRequest = [s: WireSession, id: string, method: string, args: unknown[]];
export type GetRequest = [s: WireSession, id: string, field: string];
export type SetRequest = [s: WireSession, id: string, field: string, value: unknown];
export type ConstructRequest = [s: WireSession, className: string, args: unknown[]];
/** state, version, consolidate: the object's id. */
export type ObjectRequest = [s: WireSession, id: string];
export type UpdateRequest = [s: WireSession, id: string, state: unknown];
/** ping, flush, stop: the backend itself. */
export type BackendRequest = [s: WireSession];
/** The lifecycle events after sequence number `after`. */
export type EventsRequest = [s: WireSession, after: number];

/** How state travels backend to backend (move, replica, version): [id, class name, dataset, state bytes]. */
/** `shape`: the version and field hash of the sender's class (object/evolution.ts): the receiver evolves the state. */
/** `epoch`: the master's epoch of the object, on copies sent to its replicas (docs/failover.md); absent means 0. */
export type TransferRecord = [
  id: string,
  className: string,
  dataset: string,
  state: Uint8Array,
  shape?: StoredShape,
  epoch?: number,
  /**
   * A replica's copy: the master process that sent it (a random incarnation) and its order there. Copies of one
   * object can reach a holder out of order (a placement's copy and a write's push, sent by different paths): an
   * older one from the same incarnation at the same epoch is not taken over a newer one.
   */
  order?: CopyOrder,
];
export type CopyOrder = [incarnation: number, seq: number];
export type TransferMode = 'move' | 'replica';
/**
 * Move `ids` (and, recursively, their referents) to `target`. `forwarded`: sent by another backend of the
 * traversal (ids it believed were here); cycles end because an object is moved once, then owned by the target.
 */
export type MoveRequest = [
  s: WireSession,
  ids: string[],
  target: string,
  recursive: boolean,
  remotes: boolean,
  forwarded: boolean,
];
/** Replicate `ids` to `target` (null: a backend without a copy, chosen by the master). */
export type ReplicateRequest = [
  s: WireSession,
  ids: string[],
  target: string | null,
  recursive: boolean,
  remotes: boolean,
  forwarded: boolean,
];
/**
 * `master`: for replicas, the backend that keeps them up to date; for a move, its source. `note`: a move's leaving
 * note, still being written at the source when it shipped: the target names itself in the metadata only once the
 * source has said (`noted`) that the note is on disk (backend/noted-moves.ts).
 */
export type ReceiveRequest = [
  s: WireSession,
  mode: TransferMode,
  records: TransferRecord[],
  master?: string,
  note?: string,
];
/** A move's source to its target: its leaving note `note` is on disk (`written`), or could not be written. */
export type NotedRequest = [s: WireSession, note: string, written: boolean];
/** The original's owner takes the version's state. */
export type AdoptStateRequest = [s: WireSession, originalId: string, state: Uint8Array];
/**
 * Holders of copies drop them: the ids are now owned by `owner` (a move taken back, consolidated versions). With
 * `epochs` (a master retiring its backups, each id's epoch there): only the copies held for `owner` at that epoch or
 * an older one go; an object the holder masters, or a copy a newer master sent it, stays. `order`: the master's order
 * when it sent the retire; a copy it sent after (a placement's, that overtook the retire) stays.
 */
export type RetireRequest = [s: WireSession, ids: string[], owner: string, epochs?: number[], order?: CopyOrder];
/** A draining holder asks the master of `ids` to place their copies elsewhere (`owner`: the holder). */
export type UnreplicateRequest = [s: WireSession, ids: string[], owner: string];
/** Delete `ids` (owned by the receiver); `recursive`: also what they reach that no alias reaches (docs/lifecycle.md). */
export type DeleteRequest = [s: WireSession, ids: string[], recursive: boolean];
export interface DrainReport {
  /** Objects moved to other backends. */
  moved: number;
  /** Replicas held here whose masters placed them elsewhere. */
  handedOver: number;
  /** Passes over the store it took (objects made here meanwhile need another). */
  rounds: number;
  /** Objects still here: no other live backend has their class, or their moves kept failing. */
  left: number;
}
/** The references held by each of `ids` that the receiver owns; `missing`: those it does not own. */
export type RefsRequest = [s: WireSession, ids: string[]];
export type RefsReply = [found: [id: string, dataset: string, refs: WireRef[]][], missing: string[]];
/** A garbage collection's write barrier on one backend (backend/write-barrier.ts). */
export type BarrierRequest = [s: WireSession, gcId: string, step: 'begin' | 'take' | 'end'];

const wireRecord: Shape<WireRecord> = tuple<WireRecord>(['id', objectId], ['className', string], ['state', bytes]);
const transferRecord: Shape<TransferRecord> = tuple<TransferRecord>(
  ['id', objectId],
  ['className', string],
  ['dataset', string],
  ['state', bytes],
  ['shape', optional(tuple<StoredShape>(['version', number], ['hash', string]))],
  ['epoch', optional(number)],
  ['order', optional(tuple<CopyOrder>(['incarnation', number], ['seq', number]))],
);
const ids = arrayOf(objectId);
const moveShape: Shape<MoveRequest> = tuple<MoveRequest>(
  ['session', session],
  ['ids', ids],
  ['target', string],
  ['recursive', boolean],
  ['remotes', boolean],
  ['forwarded', boolean],
);
const anyone: readonly Role[] = ['client', 'backend'];
const backends: readonly Role[] = ['backend'];
const admins: readonly Role[] = ['admin', 'backend'];
const byId = tuple<ObjectRequest>(['session', session], ['id', objectId]);
const itself = tuple<BackendRequest>(['session', session]);

export const backendOps = {
  persist: operation<PersistRequest, void>({
    shape: tuple<PersistRequest>(
      ['session', session],
      ['records', arrayOf(wireRecord, true)],
      ['alias', optional(keyName)],
    ),
    roles: anyone,
    idempotent: false,
  }),
  persistEach: operation<PersistEachRequest, (WireError | null)[]>({
    shape: tuple<PersistEachRequest>(['session', session], ['graphs', arrayOf(arrayOf(wireRecord, true), true)]),
    roles: anyone,
    idempotent: false,
  }),
  call: operation<CallRequest, unknown>({
    shape: tuple<CallRequest>(['session', session], ['id', objectId], ['method', string], ['args', list]),
    roles: anyone,
    idempotent: false,
    refs: true,
  }),
  get: operation<GetRequest, unknown>({
    shape: tuple<GetRequest>(['session', session], ['id', objectId], ['field', string]),
    roles: anyone,
    idempotent: true,
  }),
  set: operation<SetRequest, void>({
    shape: tuple<SetRequest>(['session', session], ['id', objectId], ['field', string], ['value', anything]),
    roles: anyone,
    idempotent: true,
    refs: true,
  }),
  construct: operation<ConstructRequest, DataClayObject>({
    shape: tuple<ConstructRequest>(['session', session], ['className', string], ['args', list]),
    roles: anyone,
    idempotent: false,
    refs: true,
  }),
  state: operation<ObjectRequest, unknown>({ shape: byId, roles: anyone, idempotent: true }),
  update: operation<UpdateRequest, void>({
    shape: tuple<UpdateRequest>(['session', session], ['id', objectId], ['state', anything]),
    roles: anyone,
    idempotent: true,
    refs: true,
  }),
  move: operation<MoveRequest, number>({ shape: moveShape, roles: anyone, idempotent: false }),
  replicate: operation<ReplicateRequest, { target: string | null; count: number }>({
    shape: tuple<ReplicateRequest>(
      ['session', session],
      ['ids', ids],
      ['target', nullable(string)],
      ['recursive', boolean],
      ['remotes', boolean],
      ['forwarded', boolean],
    ),
    roles: anyone,
    idempotent: false,
  }),
  receive: operation<ReceiveRequest, void>({
    shape: tuple<ReceiveRequest>(
      ['session', session],
      ['mode', literal('move', 'replica')],
      ['records', arrayOf(transferRecord)],
      ['master', optional(string)],
      ['note', optional(string)],
    ),
    roles: backends,
    idempotent: false,
  }),
  noted: operation<NotedRequest, void>({
    shape: tuple<NotedRequest>(['session', session], ['note', string], ['written', boolean]),
    roles: backends,
    idempotent: true,
  }),
  retire: operation<RetireRequest, void>({
    shape: tuple<RetireRequest>(
      ['session', session],
      ['ids', ids],
      ['owner', string],
      ['epochs', optional(arrayOf(number))],
      ['order', optional(tuple<CopyOrder>(['incarnation', number], ['seq', number]))],
    ),
    roles: backends,
    idempotent: true,
  }),
  /** Reply: the new version's [id, class name, owner]. */
  version: operation<ObjectRequest, [id: string, className: string, owner: string]>({
    shape: byId,
    roles: anyone,
    idempotent: false,
  }),
  /** Reply: [the original's id, its owner]. */
  consolidate: operation<ObjectRequest, [originalId: string, owner: string]>({
    shape: byId,
    roles: anyone,
    idempotent: false,
  }),
  'adopt-state': operation<AdoptStateRequest, void>({
    shape: tuple<AdoptStateRequest>(['session', session], ['originalId', objectId], ['state', bytes]),
    roles: backends,
    idempotent: true,
  }),
  /** Reply: how many objects were deleted. */
  delete: operation<DeleteRequest, number>({
    shape: tuple<DeleteRequest>(['session', session], ['ids', ids], ['recursive', boolean]),
    roles: anyone,
    // a second delete of a deleted object is a DoesNotExistError: the caller must not take that for the outcome
    idempotent: false,
  }),
  /** The garbage collector's delete (an admin's collection): spares objects a call is running on. Reply: how many. */
  collect: operation<RefsRequest, number>({
    shape: tuple<RefsRequest>(['session', session], ['ids', ids]),
    roles: backends,
    idempotent: true,
  }),
  refs: operation<RefsRequest, RefsReply>({
    shape: tuple<RefsRequest>(['session', session], ['ids', ids]),
    roles: backends,
    idempotent: true,
  }),
  /**
   * Moves every object the backend masters to the other live backends, and hands the replicas it holds to their
   * masters' other backends; it takes no new objects from then on. Reply: what it moved and handed over.
   */
  drain: operation<BackendRequest, DrainReport>({ shape: itself, roles: admins, idempotent: true }),
  /**
   * Master side: `replica` is draining: each of `ids` gets a copy on another backend, then the master forgets this
   * one. A backend-only operation: a drain is an operator's, whatever the grants on the objects' datasets.
   */
  unreplicate: operation<UnreplicateRequest, void>({
    shape: tuple<UnreplicateRequest>(['session', session], ['ids', ids], ['owner', string]),
    roles: backends,
    idempotent: true,
  }),
  /**
   * An operator's move (rebalance): `move` from the admin space, so it needs no grant on the objects' datasets.
   * Reply: how many moved.
   */
  relocate: operation<MoveRequest, number>({ shape: moveShape, roles: admins, idempotent: false }),
  /**
   * The write barrier of collection `gcId`: `begin` noting the references of the records written from now on,
   * `take` what was noted since the last take (null: not begun here, the backend restarted), `end`.
   */
  barrier: operation<BarrierRequest, string[] | null>({
    shape: tuple<BarrierRequest>(['session', session], ['gcId', string], ['step', literal('begin', 'take', 'end')]),
    roles: backends,
    idempotent: true,
  }),
  /** Reply: the objects calls are running on now (roots of a garbage collection). */
  running: operation<BackendRequest, string[]>({ shape: itself, roles: backends, idempotent: true }),
  ping: operation<BackendRequest, BackendStats>({ shape: itself, roles: admins, idempotent: true }),
  /** Saves every loaded object and drops them from memory. */
  flush: operation<BackendRequest, { saved: number }>({ shape: itself, roles: admins, idempotent: true }),
  /** Stops the backend once the reply is sent. */
  stop: operation<BackendRequest, void>({ shape: itself, roles: admins, idempotent: true }),
  /** Recent lifecycle events (backend/lifecycle-log.ts); `next`: the `after` of the next request. */
  events: operation<EventsRequest, { next: number; events: LifecycleEvent[] }>({
    shape: tuple<EventsRequest>(['session', session], ['after', number]),
    roles: admins,
    idempotent: true,
  }),
  /** An object's record, fields (as its owner or a replica holds them) and aliases, whatever its dataset. */
  inspect: operation<ObjectRequest, ObjectView>({ shape: byId, roles: admins, idempotent: true }),
};

export type BackendOps = TypesOf<typeof backendOps>;
export type BackendOp = keyof BackendOps;

// Request bodies, one per operation. Every request carries the caller's session first. The per-call operations
// are tuples (no keys on the wire); the rare metadata ones are records, for readability.
import type { WireRecord } from '../serialization/graph.js';

/** [username, dataset, call chain] */
export type WireSession = [username: string, dataset: string, chain?: string];

export type PersistRequest = [s: WireSession, records: WireRecord[], alias?: string];
export type CallRequest = [s: WireSession, id: string, method: string, args: unknown[]];
export type GetRequest = [s: WireSession, id: string, field: string];
export type SetRequest = [s: WireSession, id: string, field: string, value: unknown];
export type ConstructRequest = [s: WireSession, className: string, args: unknown[]];
export type StateRequest = [s: WireSession, id: string];
export type UpdateRequest = [s: WireSession, id: string, state: unknown];

/** How state travels backend to backend (move, replica, version): [id, class name, dataset, state bytes]. */
export type TransferRecord = [id: string, className: string, dataset: string, state: Uint8Array];
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
/** `master`: for replicas, the backend that keeps them up to date. */
export type ReceiveRequest = [s: WireSession, mode: TransferMode, records: TransferRecord[], master?: string];

export interface ObjectQuery {
  s: WireSession;
  id: string;
}
export interface AliasQuery {
  s: WireSession;
  d: string;
  a: string;
}
/** `d` absent: the object's own dataset. */
export interface AliasAdd {
  s: WireSession;
  d?: string;
  a: string;
  id: string;
}
export interface AliasList {
  s: WireSession;
  id: string;
  d?: string;
}
export interface ClassQuery {
  s: WireSession;
  c: string;
}
export interface ObjectsQuery {
  s: WireSession;
  backendId?: string;
  dataset?: string;
  className?: string;
  limit?: number;
}

/** Checks the shape of a decoded tuple request; a malformed one is a ProtocolError for the caller. */
/** `kinds`, per position: s string, a array, b boolean, _ anything. */
export function isTuple(value: unknown, length: number, kinds: string): value is unknown[] {
  if (!Array.isArray(value) || value.length < length) return false;
  for (let i = 0; i < kinds.length; i++) {
    const k = kinds[i];
    if (k === 's' && typeof value[i] !== 'string') return false;
    if (k === 'a' && !Array.isArray(value[i])) return false;
    if (k === 'b' && typeof value[i] !== 'boolean') return false;
  }
  return true;
}

// Request bodies, one per operation. Every request carries the caller's session as `s`.
import type { ObjectRecord } from '../serialization/graph.js';

/** [username, dataset] */
export type WireSession = [username: string, dataset: string];

export interface PersistRequest { s: WireSession; alias?: string; records: ObjectRecord[] }
export interface CallRequest { s: WireSession; id: string; m: string; a: unknown[] }
export interface GetRequest { s: WireSession; id: string; f: string }
export interface SetRequest { s: WireSession; id: string; f: string; v: unknown }

export interface ObjectQuery { s: WireSession; id: string }
export interface AliasQuery { s: WireSession; d: string; a: string }
export interface AliasAdd extends AliasQuery { id: string }
export interface AliasList { s: WireSession; id: string; d: string }

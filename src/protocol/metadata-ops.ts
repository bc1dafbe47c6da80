// The metadata operations on dc.<ns>.<space>.<user>.md.<op>, answered by any backend of the queue group. Rare, so records
// (readable keys) rather than tuples.
import type { ClassDescription } from '../metadata/class-description.js';
import type { DatasetRecord, Grant, Level } from '../metadata/grants.js';
import type { ObjectPage } from '../metadata/object-listing.js';
import type { BackendInfo, ObjectMetadata } from '../metadata/types.js';
import { operation, type Role, type TypesOf } from './operation.js';
import { session, type WireSession } from './session.js';
import { boolean, keyName, literal, number, objectId, optional, record, string } from './shape.js';

export interface Query {
  s: WireSession;
}
export interface ObjectQuery {
  s: WireSession;
  id: string;
}
export interface AliasQuery {
  s: WireSession;
  d: string;
  a: string;
  /** The revision of the caller's last alias write: the answer reflects it (read-your-writes). */
  r?: number;
}
/**
 * What `alias.get` answers, a tuple (a hot path): the object and what a proxy of it needs. `current`: `master` was read
 * from the object's record now; else it is the alias's hint, which a request follows if the object moved since.
 */
export type AliasFound = [id: string, className: string, dataset: string, master: string, current: boolean];
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
  /** At most this many records in the page (the backend caps it). */
  limit?: number;
  /** Where the page starts: the `cursor` of the previous page. */
  cursor?: string;
}

/** A new dataset; `owner` (default: the admin) gets `rw`. */
export interface DatasetCreate {
  s: WireSession;
  name: string;
  owner?: string;
  public?: Level;
}
export interface DatasetName {
  s: WireSession;
  name: string;
}
export interface GrantSet {
  s: WireSession;
  dataset: string;
  user: string;
  level: Level;
}
export interface GrantRevoke {
  s: WireSession;
  dataset: string;
  user: string;
}
export interface GrantQuery {
  s: WireSession;
  dataset?: string;
}

/** A garbage collection (docs/lifecycle.md); `dryRun`: find the garbage, delete nothing. */
export interface GcRequest {
  s: WireSession;
  dryRun: boolean;
}
export interface GcReport {
  /** Objects the roots reach. */
  reachable: number;
  /** Objects found unreachable (deleted, unless a dry run). */
  garbage: number;
  deleted: number;
  /** The first unreachable ids found (at most 1,000). */
  sample: string[];
  ms: number;
}

const anyone: readonly Role[] = ['client', 'backend'];
const admins: readonly Role[] = ['admin'];
const level = literal('r', 'rw');
const aliasQuery = record<AliasQuery>({ s: session, d: keyName, a: keyName, r: optional(number) });

export const metadataOps = {
  backends: operation<Query, BackendInfo[]>({ shape: record<Query>({ s: session }), roles: anyone, idempotent: true }),
  object: operation<ObjectQuery, ObjectMetadata>({
    shape: record<ObjectQuery>({ s: session, id: objectId }),
    roles: anyone,
    idempotent: true,
  }),
  /** An operator's view, a page at a time: it reads the metadata in batches. */
  objects: operation<ObjectsQuery, ObjectPage>({
    shape: record<ObjectsQuery>({
      s: session,
      backendId: optional(string),
      dataset: optional(string),
      className: optional(string),
      limit: optional(number),
      cursor: optional(string),
    }),
    roles: admins,
    idempotent: true,
  }),
  class: operation<ClassQuery, ClassDescription>({
    shape: record<ClassQuery>({ s: session, c: string }),
    roles: anyone,
    idempotent: true,
  }),
  'alias.get': operation<AliasQuery, AliasFound>({ shape: aliasQuery, roles: anyone, idempotent: true }),
  /** Reply: the revision of the write (the caller's next alias.get passes it on). */
  'alias.add': operation<AliasAdd, number>({
    shape: record<AliasAdd>({ s: session, d: optional(keyName), a: keyName, id: objectId }),
    roles: anyone,
    idempotent: false,
  }),
  /** Reply: the revision the alias is gone at (0: it was not there). */
  'alias.del': operation<AliasQuery, number>({ shape: aliasQuery, roles: anyone, idempotent: true }),
  'alias.list': operation<AliasList, string[]>({
    shape: record<AliasList>({ s: session, id: objectId, d: optional(keyName) }),
    roles: anyone,
    idempotent: true,
  }),
  // datasets and grants: an admin's (docs/security.md), and grants also an owner's (below)
  gc: operation<GcRequest, GcReport>({
    shape: record<GcRequest>({ s: session, dryRun: boolean }),
    roles: admins,
    idempotent: false,
  }),
  'dataset.create': operation<DatasetCreate, DatasetRecord>({
    shape: record<DatasetCreate>({ s: session, name: string, owner: optional(string), public: optional(level) }),
    roles: admins,
    idempotent: false,
  }),
  'dataset.delete': operation<DatasetName, void>({
    shape: record<DatasetName>({ s: session, name: string }),
    roles: admins,
    idempotent: true,
  }),
  'dataset.list': operation<Query, DatasetRecord[]>({
    shape: record<Query>({ s: session }),
    roles: admins,
    idempotent: true,
  }),
  'grant.set': operation<GrantSet, void>({
    shape: record<GrantSet>({ s: session, dataset: string, user: string, level }),
    roles: admins,
    idempotent: true,
  }),
  'grant.revoke': operation<GrantRevoke, void>({
    shape: record<GrantRevoke>({ s: session, dataset: string, user: string }),
    roles: admins,
    idempotent: true,
  }),
  'grant.list': operation<GrantQuery, Grant[]>({
    shape: record<GrantQuery>({ s: session, dataset: optional(string) }),
    roles: admins,
    idempotent: true,
  }), // the same for a dataset's owner, on the datasets it owns (the backend checks the owner)
  'owner.grant.set': operation<GrantSet, void>({
    shape: record<GrantSet>({ s: session, dataset: string, user: string, level }),
    roles: anyone,
    idempotent: true,
  }),
  'owner.grant.revoke': operation<GrantRevoke, void>({
    shape: record<GrantRevoke>({ s: session, dataset: string, user: string }),
    roles: anyone,
    idempotent: true,
  }),
  'owner.grant.list': operation<GrantQuery, Grant[]>({
    shape: record<GrantQuery>({ s: session, dataset: optional(string) }),
    roles: anyone,
    idempotent: true,
  }),
};

export type MetadataOps = TypesOf<typeof metadataOps>;
export type MetadataOp = keyof MetadataOps;
/** The operations on datasets and grants. */
export type GrantOp = Extract<MetadataOp, `dataset.${string}` | `grant.${string}` | `owner.${string}`>;

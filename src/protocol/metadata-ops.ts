// The metadata operations on dc.<ns>.<space>.<user>.md.<op>, answered by any backend of the queue group. Rare, so records
// (readable keys) rather than tuples.
import type { ClassDescription } from '../metadata/class-description.js';
import type { BackendInfo, ObjectMetadata } from '../metadata/types.js';
import { operation, type Role, type TypesOf } from './operation.js';
import { session, type WireSession } from './session.js';
import { number, optional, record, string } from './shape.js';

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

const anyone: readonly Role[] = ['client', 'backend'];
const aliasQuery = record<AliasQuery>({ s: session, d: string, a: string });

export const metadataOps = {
  backends: operation<Query, BackendInfo[]>({ shape: record<Query>({ s: session }), roles: anyone, idempotent: true }),
  object: operation<ObjectQuery, ObjectMetadata>({
    shape: record<ObjectQuery>({ s: session, id: string }),
    roles: anyone,
    idempotent: true,
  }),
  /** An operator's view: it scans the metadata. */
  objects: operation<ObjectsQuery, ObjectMetadata[]>({
    shape: record<ObjectsQuery>({
      s: session,
      backendId: optional(string),
      dataset: optional(string),
      className: optional(string),
      limit: optional(number),
    }),
    roles: ['admin'],
    idempotent: true,
  }),
  class: operation<ClassQuery, ClassDescription>({
    shape: record<ClassQuery>({ s: session, c: string }),
    roles: anyone,
    idempotent: true,
  }),
  'alias.get': operation<AliasQuery, ObjectMetadata>({ shape: aliasQuery, roles: anyone, idempotent: true }),
  'alias.add': operation<AliasAdd, void>({
    shape: record<AliasAdd>({ s: session, d: optional(string), a: string, id: string }),
    roles: anyone,
    idempotent: false,
  }),
  'alias.del': operation<AliasQuery, void>({ shape: aliasQuery, roles: anyone, idempotent: true }),
  'alias.list': operation<AliasList, string[]>({
    shape: record<AliasList>({ s: session, id: string, d: optional(string) }),
    roles: anyone,
    idempotent: true,
  }),
};

export type MetadataOps = TypesOf<typeof metadataOps>;
export type MetadataOp = keyof MetadataOps;

// What each operation needs of the caller, by dataset (docs/security.md): read (`r`) or read-write (`rw`) on the
// session's dataset, a named one, or the dataset of the objects it touches (as the backends record it, never as the
// request says). Operator and backend-only operations need nothing here: their space already says who sends them.
import type { Level } from '../metadata/grants.js';
import type { BackendOps } from '../protocol/backend-ops.js';
import type { MetadataOps } from '../protocol/metadata-ops.js';
import type { OpTypes } from '../protocol/operation.js';

/** A level on a dataset, or on an object's dataset (`method`: a call, which a read-only method makes a read). */
export type Demand = DatasetDemand | ObjectDemand;
export interface DatasetDemand {
  level: Level;
  dataset: string;
}
export interface ObjectDemand {
  level: Level;
  object: string;
  method?: string;
}

export type Demands<M extends Record<keyof M, OpTypes>> = {
  readonly [K in keyof M]: (request: M[K]['request']) => Demand[];
};

const none = (): Demand[] => [];
const reads = (object: string): Demand[] => [{ level: 'r', object }];
const writes = (object: string): Demand[] => [{ level: 'rw', object }];

export const backendDemands: Demands<BackendOps> = {
  persist: ([[, dataset]]) => [{ level: 'rw', dataset }],
  persistEach: ([[, dataset]]) => [{ level: 'rw', dataset }],
  construct: ([[, dataset]]) => [{ level: 'rw', dataset }],
  call: ([, object, method]) => [{ level: 'rw', object, method }],
  get: ([, id]) => reads(id),
  state: ([, id]) => reads(id),
  set: ([, id]) => writes(id),
  update: ([, id]) => writes(id),
  version: ([, id]) => writes(id),
  consolidate: ([, id]) => writes(id),
  // a forwarded hop names the referents a traversal reached elsewhere: its handler leaves out those the user may
  // not change (transfer-ops.ts), as the first hop does with what it reaches, rather than refusing the whole graph
  move: ([, ids, , , , forwarded]) => (forwarded ? [] : ids.flatMap(writes)),
  replicate: ([, ids, , , , forwarded]) => (forwarded ? [] : ids.flatMap(writes)),
  receive: none,
  noted: none,
  retire: none,
  delete: ([, ids]) => ids.flatMap(writes),
  collect: none,
  refs: none,
  running: none,
  barrier: none,
  drain: none,
  unreplicate: none,
  relocate: none,
  'adopt-state': none,
  ping: none,
  flush: none,
  stop: none,
  events: none,
  inspect: none,
};

export const metadataDemands: Demands<MetadataOps> = {
  backends: none,
  class: none,
  objects: none,
  object: ({ id }) => reads(id),
  // never "does not exist" for a dataset one may not read: no alias oracle
  'alias.get': ({ d }) => [{ level: 'r', dataset: d }],
  'alias.add': ({ id, d }) => [...writes(id), ...(d === undefined ? [] : [{ level: 'rw' as const, dataset: d }])],
  'alias.del': ({ d }) => [{ level: 'rw', dataset: d }],
  'alias.list': ({ id, d }) => [...reads(id), ...(d === undefined ? [] : [{ level: 'r' as const, dataset: d }])],
  gc: none,
  'dataset.create': none,
  'dataset.delete': none,
  'dataset.list': none,
  'grant.set': none,
  'grant.revoke': none,
  'grant.list': none,
  // the owner check needs the dataset's record, which the handler reads (grant-service.ts)
  'owner.grant.set': none,
  'owner.grant.revoke': none,
  'owner.grant.list': none,
};

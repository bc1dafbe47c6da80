// The backend's parts, put together once: ownership and loading, registration, moves, replicas, write-through, and
// the shared runtime (requests, routing, unit of work, lookups) with the backend's placement and references.
// Each part gets the narrow set of others it uses; nothing is handed the whole.
import type { NatsConnection } from '@nats-io/transport-node';
import type { MetadataStore } from '../metadata/store.js';
import type { Session } from '../object/context.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import type { Evolution } from '../object/evolution.js';
import { processIdentity } from '../object/identity.js';
import { STATE } from '../object/state.js';
import { proxyResolver } from '../runtime/references.js';
import type { Requests } from '../runtime/requests.js';
import { Runtime } from '../runtime/runtime.js';
import type { Identity } from '../security/identity.js';
import type { Logger } from 'pino';
import { BackupPlacement } from './backup-placement.js';
import { Deletion } from './deletion.js';
import { Epochs } from './epochs.js';
import { Failover } from './failover.js';
import { Lease } from './lease.js';
import { CreateMark } from './create-mark.js';
import { Heap, type MemoryBudget } from './heap.js';
import { Moves } from './moves.js';
import type { ObjectStore } from './object-store.js';
import type { ObjectFacts } from '../security/authorizer.js';
import { Ownership } from './ownership.js';
import { LocalPlacement } from './placement.js';
import { factsOf, Registrar } from './registration.js';
import { Replicas } from './replicas.js';
import type { RollbackDeps } from './rollback.js';
import { WriteBarrier } from './write-barrier.js';
import { WriteThrough } from './write-through.js';

export interface BackendRuntimeOptions {
  nc: NatsConnection;
  namespace: string;
  session: Session;
  timeoutMs: number;
  backendId: string;
  store: MetadataStore;
  objects: ObjectStore;
  budget?: MemoryBudget;
  /** Who this backend sends as (security/identity.ts). */
  identity: Identity;
  /** Told of writes that no reply waits for (evictions, replica updates) and failed. */
  onBackgroundError?: (err: unknown) => void;
  /** Told of each record of an older class shape loaded into the current class. */
  onEvolved?: (className: string, evolution: Evolution) => void;
  /** Throws unless a request's user may create objects in its session's dataset (datasets as boundaries). */
  mayCreate?: (session: Session) => void;
  /** Told of each object registered here, records and metadata written (the authorizer learns its dataset). */
  created?: (id: string, facts: ObjectFacts) => void;
  /** Whether a user may change objects of a dataset; without it, any user may (no dataset checks). */
  mayWrite?: (user: string, dataset: string) => boolean;
  /** Backups of every object this backend masters (`--backups`, docs/failover.md). Default 0. */
  backups?: number;
  /** Where fencing and promotions are told (docs/failover.md). */
  log?: Pick<Logger, 'info' | 'warn'>;
}

export class BackendRuntime {
  readonly backendId: string;
  /** What a recursive move or replication may carry along for a user (the options' mayWrite). */
  readonly mayWrite: (user: string, dataset: string) => boolean;
  readonly identity = processIdentity;
  readonly heap: Heap;
  readonly store: MetadataStore;
  readonly objects: ObjectStore;
  readonly runtime: Runtime;
  readonly requests: Requests;
  readonly placement: LocalPlacement;
  readonly ownership: Ownership;
  readonly registrar: Registrar;
  readonly moves: Moves;
  readonly replicas: Replicas;
  readonly writes: WriteThrough;
  readonly deletion: Deletion;
  /** What a running garbage collection must know of this backend's writes (write-barrier.ts). */
  readonly barrier = new WriteBarrier();
  readonly epochs: Epochs;
  readonly lease: Lease;
  /** Creates whose metadata is written beside their records, and the mark a restart scans from. */
  readonly marks: CreateMark;
  readonly failover: Failover;
  readonly backupPlacement: BackupPlacement;
  /** Draining (`dataclay ctl drain`): new objects are refused. */
  readonly status = { draining: false };
  readonly onBackgroundError: (err: unknown) => void;
  /** What rollback.ts needs: a failed request's changes go back to the last committed state. */
  readonly rollback: RollbackDeps;

  constructor(options: BackendRuntimeOptions) {
    const { backendId, store, objects } = options;
    const { identity } = this;
    const heap = new Heap(options.budget);
    const onBackgroundError = options.onBackgroundError ?? (() => undefined);
    this.onBackgroundError = onBackgroundError;
    this.backendId = backendId;
    this.mayWrite = options.mayWrite ?? (() => true);
    this.store = store;
    this.objects = objects;
    this.heap = heap;
    const log = options.log ?? { info: () => undefined, warn: () => undefined };
    const epochs = new Epochs(objects, heap);
    this.epochs = epochs;
    this.lease = new Lease({
      backendId,
      store,
      objects,
      heap,
      ownership: () => this.ownership,
      epochs,
      // a loaded object's state, else its record (the two agree once a write has ended)
      replicated: (id) => ((heap.get(id)?.[STATE].replicas ?? objects.get(id)?.[3])?.length ?? 0) > 0,
      claimLimit: claimLimit(options.budget),
      log,
      onBackgroundError,
    });
    const { lease } = this;
    const marks = new CreateMark(objects, onBackgroundError);
    this.marks = marks;
    const placement = new LocalPlacement(backendId, store);
    this.placement = placement;
    this.runtime = new Runtime({
      ...options,
      placement: () => placement,
      resolver: (id, className, hint) => this.ownership.resolveRef(id, className, hint),
      local: {
        backendId,
        register: (objs, session, alias) => this.registrar.register(objs, session, alias),
        adopt: (obj) => this.registrar.adopt(obj),
        load: (obj) => this.ownership.load(obj),
        settle: (obj) => this.registrar.settle(obj),
      },
    });
    const { requests, resolver } = this.runtime;
    this.requests = requests;
    const metadataOf = (obj: DataClayObject) => this.registrar.metadataOf(obj);
    this.replicas = new Replicas({
      backendId,
      identity,
      resolveRef: resolver,
      store,
      objects,
      budget: options.budget,
      pinned: (id) => heap.pinCount(id) > 0,
      requests,
      metadataOf,
      load: (obj) => this.ownership.load(obj),
      onBackgroundError,
      epochs,
      mastersHere: (id) => this.ownership.ownedHere(id) !== undefined,
      leavingHere: (id) => this.ownership.isLeaving(id),
      superseded: (id, master, epoch) => lease.demote(id, { master, epoch }),
      onFenced: (obj) => lease.check(obj.id),
      onDropped: (obj) => this.backupPlacement.short(obj),
      log,
    });
    const replicas = this.replicas;
    this.ownership = new Ownership({
      backendId,
      heap,
      objects,
      identity,
      store,
      replicas,
      proxies: proxyResolver(identity),
      onEvolved: options.onEvolved,
      epochs,
      // an object whose create is still in flight is served once its records are on disk (or it is gone)
      gate: (id) => {
        const creating = marks.settling(id);
        return creating ? creating.then(() => lease.gate(id)) : lease.gate(id);
      },
    });
    const { mayCreate, created } = options;
    const save = (o: DataClayObject[]) => this.writes.save(o);
    const placeBackups = (o: DataClayObject[]) => this.backupPlacement.placeNew(o);
    const claim = (id: string) => lease.claim(id);
    this.registrar = new Registrar({
      backendId,
      heap,
      identity,
      objects,
      store,
      save,
      mayCreate,
      created,
      placeBackups,
      claim,
      marks,
    });
    const { registrar, ownership } = this;
    const session = () => this.runtime.session();
    this.writes = new WriteThrough({
      overran: (id) => this.moves.overrun.has(id),
      heap,
      objects,
      store,
      registrar,
      replicas,
      epochs,
      session,
      resolver,
      barrier: this.barrier,
      onBackgroundError,
      onEvicted: (id, replicated) => lease.evicted(id, replicated),
    });
    const writes = this.writes;
    this.rollback = {
      objects,
      heap,
      load: (o) => ownership.load(o),
      unregister: (o) => registrar.unregister(o),
      encodable: (o) => writes.encodable(o),
    };
    this.moves = new Moves({
      backendId,
      heap,
      identity,
      objects,
      store,
      ownership,
      replicas,
      registrar,
      writes,
      onBackgroundError,
      epochs,
      ensureBackups: (o, had) => this.backupPlacement.ensure(o, had),
      // within the source's own wait for the ship's answer (its timeout), so the target answers first
      noteWaitMs: options.timeoutMs / 2,
    });
    const { moves } = this;
    const backups = options.backups ?? 0;
    this.backupPlacement = new BackupPlacement({
      backendId,
      backups,
      store,
      objects,
      replicas,
      ownership,
      moves,
      gate: (id) => lease.gate(id),
      trim: () => writes.enforceBudget(),
      log,
      onBackgroundError,
    });
    this.failover = new Failover({
      backendId,
      placement: this.backupPlacement,
      store,
      objects,
      replicas,
      ownership,
      registrar,
      writes,
      epochs,
      lease,
      log,
      onBackgroundError,
    });
    this.deletion = new Deletion({
      backendId,
      heap,
      objects,
      store,
      ownership,
      moves,
      replicas: this.replicas,
      epochs,
      barrier: this.barrier,
      onBackgroundError,
    });
  }

  /** The class and dataset of an object this backend holds in memory (a registration of it may be in flight). */
  registering(id: string): ObjectFacts | undefined {
    const obj = this.heap.get(id);
    return obj && factsOf(obj);
  }
}

/**
 * How many claims a budgeted backend keeps (lease.ts): a few times the objects it may keep loaded, so the objects
 * in use keep theirs; a byte budget, which counts no objects, keeps a fixed number.
 */
function claimLimit(budget: MemoryBudget | undefined): number | undefined {
  if (budget?.maxObjects !== undefined) return 4 * budget.maxObjects;
  return budget?.maxBytes !== undefined ? 100_000 : undefined;
}

// The runtime persistent objects delegate to, in a client or a backend: it puts together the requests, the owner
// routing, the make-persistent unit of work and the metadata lookups. What differs between a client and a backend
// is injected (placement, references to objects owned here, local registration), never overridden.
import type { NatsConnection } from '@nats-io/transport-node';
import type { ClassDescription } from '../metadata/class-description.js';
import type { ObjectPage } from '../metadata/object-listing.js';
import type { BackendInfo } from '../metadata/types.js';
import { sessionStorage, type CallOptions, type RequestContext, type Session } from '../object/context.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { processIdentity } from '../object/identity.js';
import type { DeleteOptions, MakePersistentOptions, MoveOptions, ObjectRuntime } from '../object/runtime-slot.js';
import { claimOf } from '../object/lifecycle.js';
import { clientSpans, type Traced } from '../observe/spans.js';
import type { GcReport, ObjectsQuery } from '../protocol/metadata-ops.js';
import type { RefResolver } from '../serialization/codec.js';
import { Lookups, validateAlias } from './lookups.js';
import { ObjectOperations } from './object-operations.js';
import type { Placement } from './placement.js';
import { proxyResolver } from './references.js';
import { Requests } from './requests.js';
import { boundedRedirects, OwnerRouting, type RedirectPolicy } from './routing.js';
import { PersistUnitOfWork, type LocalRegistration } from './unit-of-work.js';
import type { Identity } from '../security/identity.js';

/** What a backend adds: it owns objects, so it registers them and loads them. */
export interface LocalObjects extends LocalRegistration {
  /** An object constructed while a request is served (in an active method) becomes persistent here. */
  adopt(obj: DataClayObject): void;
  load(obj: DataClayObject): void;
  /** An object built by the running request is made known to the cluster now (before a metadata operation). */
  settle(obj: DataClayObject): Promise<void> | undefined;
}

export interface RuntimeOptions {
  nc: NatsConnection;
  namespace: string;
  session: Session;
  timeoutMs: number;
  placement: (lookups: Lookups) => Placement;
  redirects?: RedirectPolicy;
  /** References to objects owned here resolve to them (default: the identity map, else a new proxy). */
  resolver?: RefResolver;
  local?: LocalObjects;
  /** Who this runtime sends as: its NATS identity, and whether it is a client or a backend (security/identity.ts). */
  identity: Identity;
}

export class Runtime implements ObjectRuntime {
  /** One per process, shared by every runtime started in it: one live instance per object id. */
  readonly identity = processIdentity;
  readonly requests: Requests;
  readonly lookups: Lookups;
  readonly placement: Placement;
  readonly resolver: RefResolver;
  readonly work: PersistUnitOfWork;
  private readonly operations: ObjectOperations;
  private readonly defaultSession: Session;
  private readonly local: LocalObjects | undefined;
  /** Each object operation in a client span, when anyone traces (observe/spans.ts). */
  private readonly traced: Traced;

  constructor(options: RuntimeOptions) {
    this.traced = clientSpans(() => options.nc.getServer());
    this.defaultSession = options.session;
    this.local = options.local;
    this.resolver = options.resolver ?? proxyResolver(this.identity);
    const session = () => this.session();
    this.requests = new Requests({
      ...options,
      session,
      resolver: this.resolver,
      encodeRefs: (encodeFn, callee) => this.work.encodeWithRefs(encodeFn, callee),
    });
    this.lookups = new Lookups(this.requests, this.identity, this.resolver, () => this.session().dataset);
    this.placement = options.placement(this.lookups);
    const { requests, identity, placement } = this;
    this.work = new PersistUnitOfWork({ requests, session, identity, placement, local: options.local });
    const ownerOf = async (id: string) => (await this.lookups.getObjectMetadata(id)).master;
    this.operations = new ObjectOperations({
      routing: new OwnerRouting(requests, ownerOf, options.redirects ?? boundedRedirects()),
      requests,
      placement,
      resolveRef: this.resolver,
      metadataOf: (id) => this.lookups.getObjectMetadata(id),
      makePersistent: (obj, opts) => this.makePersistent(obj, opts),
    });
  }

  session(): RequestContext {
    return sessionStorage.getStore() ?? this.defaultSession;
  }

  /** Runs `fn` in a context (dataset, username, timeout, signal) that every request made under it carries. */
  run<T>(context: Partial<Session> & CallOptions, fn: () => T): T {
    return sessionStorage.run({ ...this.session(), ...context }, fn);
  }

  makePersistent(obj: DataClayObject, options: MakePersistentOptions): Promise<void> {
    return this.traced(obj, 'makePersistent', () => this.persist(obj, options));
  }

  private async persist(obj: DataClayObject, options: MakePersistentOptions): Promise<void> {
    if (options.alias !== undefined) validateAlias(options.alias);
    const claim = claimOf(obj);
    if (claim) await claim; // persisted by a concurrent operation: what follows treats it as registered
    if (obj.isRegistered) {
      await this.local?.settle(obj);
      // the alias first: if it exists already, nothing moves
      if (options.alias !== undefined) await this.lookups.addAlias(obj, options.alias);
      if (options.backendId !== undefined && options.backendId !== obj.backendId)
        await this.operations.move(obj, options.backendId, {});
      return;
    }
    // claimed by a concurrent operation meanwhile: it waited for it; what is left (the alias) is done now
    if (!(await this.work.persist(obj, options.backendId, options.alias))) return this.persist(obj, options);
  }

  call(obj: DataClayObject, method: string, args: unknown[], readonly?: boolean): Promise<unknown> {
    return this.traced(obj, method, () => this.operations.call(obj, method, args, readonly));
  }
  getField(obj: DataClayObject, field: string): Promise<unknown> {
    return this.traced(obj, 'dcGet', () => this.operations.getField(obj, field));
  }
  setField(obj: DataClayObject, field: string, value: unknown): Promise<void> {
    return this.traced(obj, 'dcSet', () => this.operations.setField(obj, field, value));
  }
  getState(obj: DataClayObject): Promise<unknown> {
    return this.operations.getState(obj);
  }
  setState(obj: DataClayObject, state: unknown): Promise<void> {
    return this.operations.setState(obj, state);
  }
  construct(className: string, args: unknown[], backendId?: string): Promise<DataClayObject> {
    return this.operations.construct(className, args, backendId);
  }
  move(obj: DataClayObject, backendId: string, options: MoveOptions): Promise<void> {
    return this.traced(obj, 'move', async () => {
      await this.local?.settle(obj);
      return this.operations.move(obj, backendId, options);
    });
  }
  newReplica(obj: DataClayObject, backendId: string | undefined, options: MoveOptions): Promise<void> {
    return this.traced(obj, 'newReplica', async () => {
      await this.local?.settle(obj);
      return this.operations.newReplica(obj, backendId, options);
    });
  }
  newVersion(obj: DataClayObject, backendId?: string): Promise<DataClayObject> {
    return this.traced(obj, 'newVersion', async () => {
      await this.local?.settle(obj);
      return this.operations.newVersion(obj, backendId);
    });
  }
  consolidateVersion(obj: DataClayObject): Promise<void> {
    return this.traced(obj, 'consolidateVersion', () => this.operations.consolidateVersion(obj));
  }
  sync(obj: DataClayObject): Promise<void> {
    return this.operations.sync(obj);
  }
  async delete(obj: DataClayObject, options: DeleteOptions): Promise<number> {
    await this.local?.settle(obj);
    const count = await this.operations.delete(obj, options.recursive ?? false);
    this.identity.delete(obj.id); // a lookup by id asks the metadata again, and finds nothing
    return count;
  }
  /** A garbage collection over the whole cluster (an admin's). */
  collectGarbage(dryRun: boolean): Promise<GcReport> {
    return this.requests.metadata('gc', { s: this.requests.wire(), dryRun });
  }

  getById(id: string): Promise<DataClayObject> {
    return this.lookups.getById(id);
  }
  getByAlias(alias: string, dataset?: string): Promise<DataClayObject> {
    return this.lookups.getByAlias(alias, dataset);
  }
  deleteAlias(alias: string, dataset?: string): Promise<void> {
    return this.lookups.deleteAlias(alias, dataset);
  }
  async addAlias(obj: DataClayObject, alias: string): Promise<void> {
    await this.local?.settle(obj);
    return this.lookups.addAlias(obj, alias);
  }
  async getAliases(obj: DataClayObject): Promise<Set<string>> {
    await this.local?.settle(obj);
    return this.lookups.getAliases(obj);
  }
  getClassInfo(className: string): Promise<ClassDescription> {
    return this.lookups.getClassInfo(className);
  }
  listBackends(): Promise<BackendInfo[]> {
    return this.lookups.listBackends();
  }
  listObjects(query?: Omit<ObjectsQuery, 's'>): Promise<ObjectPage> {
    return this.lookups.listObjects(query);
  }

  adopt(obj: DataClayObject): void {
    this.local?.adopt(obj);
  }
  load(obj: DataClayObject): void {
    this.local?.load(obj);
  }
}

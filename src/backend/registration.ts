// Registration: objects become persistent on this backend (from a client's batch, a version, or built by an active
// method), with their alias, store record and metadata (put-if-absent per object). Without an alias the records'
// sync and the metadata writes run together (create-mark.ts bounds what a crash between them leaves, and the next
// start removes it: recover-creates.ts); with one, records go first, then the alias and the metadata. A failure
// undoes only what this attempt created, so a retry, or a forged request naming an object that exists elsewhere,
// can never delete that object's metadata, record or alias.
import { randomUUID } from 'node:crypto';
import { AlreadyExistsError, AlreadyPersistentError, DoesNotExistError } from '../errors.js';
import { aliasedId, type MetadataStore } from '../metadata/store.js';
import type { ObjectMetadata } from '../metadata/types.js';
import type { ObjectFacts } from '../security/authorizer.js';
import { sessionStorage, type Session } from '../object/context.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import type { IdentityMap } from '../object/identity.js';
import { disown, own } from '../object/lifecycle.js';
import { STATE, type OwnedObject } from '../object/state.js';
import type { Heap } from './heap.js';
import type { CreateMark } from './create-mark.js';
import type { ObjectStore } from './object-store.js';

export type Lineage = Pick<ObjectMetadata, 'original' | 'versions'>;

export interface RegistrarDeps {
  backendId: string;
  heap: Heap;
  identity: IdentityMap;
  objects: Pick<ObjectStore, 'has' | 'remove' | 'putIntent' | 'removeIntent' | 'retireIntent'>;
  store: Pick<
    MetadataStore,
    'createAlias' | 'getAlias' | 'createObject' | 'getObject' | 'deleteObject' | 'deleteAlias'
  >;
  /** Puts objects' records on disk (write-through.ts). */
  save: (objects: DataClayObject[]) => Promise<void>;
  /** Throws unless the running request's user may create objects in the dataset (security/authorizer.ts). */
  mayCreate?: (session: Session) => void;
  /** Told of each object registered here, records and metadata written (security/authorizer.ts learns its dataset). */
  created?: (id: string, facts: ObjectFacts) => void;
  /** Sends new objects' backups before their records and metadata are written (failover.ts). */
  placeBackups?: (objects: DataClayObject[]) => Promise<void>;
  /** Told of each object this backend owns from now on, for sure (lease.ts: no re-check needed). */
  claim?: (id: string) => void;
  /** Where creates whose metadata is written beside their records are counted; without it, always in series. */
  marks?: Pick<CreateMark, 'begin' | 'acknowledged'>;
}

export class Registrar {
  readonly backendId: string;
  /**
   * Registrations in flight, by object id. A retry of a persist would find its objects held here while the first
   * attempt's metadata may still be refused: it waits for that outcome (`settled`), else it would answer success
   * for objects that the first attempt's undo then removes (or before they are durable).
   */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: RegistrarDeps) {
    this.backendId = deps.backendId;
  }

  /**
   * Makes local objects persistent on this backend. Objects it already holds are skipped (a retry of a persist that
   * reached it); an object registered elsewhere fails it with AlreadyPersistentError naming that backend.
   */
  async register(
    objects: DataClayObject[],
    session: Session,
    alias?: string,
    lineage?: Lineage | Promise<Lineage>,
  ): Promise<void> {
    if (objects.length === 0) return;
    const [fresh] = this.ownFresh([objects], session);
    if (fresh.length === 0) {
      if (alias !== undefined) await this.ensureAlias(session.dataset, alias, objects[0]);
      return;
    }
    await this.create(fresh, session.dataset, alias, lineage);
  }

  /**
   * Makes independent groups of local objects persistent (no alias), as `register` would each, in one write: one
   * commit for the records of all. Each group's outcome, in order: undefined, or the error that refused it alone.
   */
  async registerEach(groups: DataClayObject[][], session: Session, unstored = false): Promise<unknown[]> {
    return this.createEach(this.ownFresh(groups, session, unstored), session.dataset);
  }

  /** Resolves once the registrations of these ids now in flight have settled; undefined when none is. */
  settled(ids: readonly string[]): Promise<unknown> | undefined {
    const pending = new Set<Promise<unknown>>();
    for (const id of ids) if (this.inFlight.has(id)) pending.add(this.inFlight.get(id)!);
    return pending.size > 0 ? Promise.allSettled(pending) : undefined;
  }

  /** `work` registers `objects`: in flight until it settles (set in the turn they are owned). */
  private track<T>(objects: DataClayObject[], work: Promise<T>): Promise<T> {
    for (const o of objects) this.inFlight.set(o.id, work);
    const untrack = () => {
      for (const o of objects) if (this.inFlight.get(o.id) === work) this.inFlight.delete(o.id);
    };
    work.then(untrack, untrack);
    return work;
  }

  /**
   * Of each group, the objects not held here yet, owned here now (the caller's right to create checked first).
   * `unstored`: the caller found those not in memory absent from the store, in this same turn (a persist's shells):
   * the store is not asked again.
   */
  private ownFresh(groups: DataClayObject[][], session: Session, unstored = false): DataClayObject[][] {
    const held = (o: DataClayObject) => this.deps.heap.has(o.id) || (!unstored && this.deps.objects.has(o.id));
    const fresh = groups.map((g) => g.filter((o) => !held(o)));
    if (fresh.some((g) => g.length > 0) && sessionStorage.getStore()) this.deps.mayCreate?.(session); // a request's, not the backend's own work
    for (const g of fresh) for (const o of g) this.own(o, session.dataset);
    return fresh;
  }

  /**
   * Records, then metadata, of objects already owned in memory; on failure, only what this call made is undone.
   * A `lineage` still being read is awaited beside the records' write.
   */
  create(
    objects: DataClayObject[],
    dataset: string,
    alias?: string,
    lineage?: Lineage | Promise<Lineage>,
  ): Promise<void> {
    if (objects.length === 0) return Promise.resolve();
    if (alias === undefined && this.deps.marks) {
      return this.createEach([objects], dataset, lineage).then(([refused]) => {
        if (refused !== undefined) throw refused;
      });
    }
    return this.track(objects, this.createInSeries(objects, dataset, alias, lineage));
  }

  /** Records, then the alias and the metadata (a registration with an alias, or without create marks). */
  private async createInSeries(
    objects: DataClayObject[],
    dataset: string,
    alias?: string,
    lineage?: Lineage | Promise<Lineage>,
  ): Promise<void> {
    let aliasCreated = false;
    const created = new Set<string>();
    // the intent commits with the records: a crash from here on is found, and finished or undone, at restart
    const intent = randomUUID();
    try {
      await this.deps.placeBackups?.(objects); // what is acknowledged has its copies: before the records say so
      const [, known] = await Promise.all([this.writeRecords([intent], [objects], dataset, alias), lineage]);
      if (alias !== undefined) aliasCreated = await this.ensureAlias(dataset, alias, objects[0]);
      const refusals = await this.createMetadata(objects, known, created);
      if (refusals.size > 0) throw await this.named(refusals.values().next().value);
      this.registered(objects);
      this.deps.objects.retireIntent(intent); // done: nothing to reconcile (gone with the next write)
    } catch (err) {
      const undone = await this.undo(objects, created, aliasCreated ? { dataset, alias: alias! } : undefined);
      if (undone) await this.deps.objects.removeIntent(intent).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Groups of objects already owned in memory, their records and metadata written together (create-mark.ts): the
   * metadata may be read before the records are on disk (requests for the objects wait for this create: the gate),
   * and a crash before their sync leaves metadata that the next start removes. A group whose metadata is refused is
   * undone alone; one whose records cannot be written fails them all. Each group has an intent of its own, all in
   * the records' transaction: a restart settles an intent as a whole (reconcile.ts), and one shared by an
   * acknowledged group and a refused one would undo the acknowledged one with it.
   */
  private createEach(
    groups: DataClayObject[][],
    dataset: string,
    lineage?: Lineage | Promise<Lineage>,
  ): Promise<unknown[]> {
    return this.track(groups.flat(), this.createEachNow(groups, dataset, lineage));
  }

  private async createEachNow(
    groups: DataClayObject[][],
    dataset: string,
    lineage?: Lineage | Promise<Lineage>,
  ): Promise<unknown[]> {
    const objects = groups.flat();
    if (objects.length === 0) return groups.map(() => undefined);
    const created = new Set<string>();
    const intents = groups.map(() => randomUUID());
    let ended: ((settled: boolean) => void) | undefined;
    try {
      await this.deps.placeBackups?.(objects); // what is acknowledged has its copies: before the records say so
      ended = this.deps.marks?.begin(objects.map((o) => o.id));
      const [wrote, creates] = await Promise.allSettled([
        this.writeRecords(intents, groups, dataset),
        Promise.resolve(lineage).then((known) => this.createMetadata(objects, known, created)),
      ]);
      if (wrote.status === 'rejected') throw wrote.reason;
      if (creates.status === 'rejected') throw creates.reason;
      const refusals = creates.value;
      const settled = await Promise.all(
        groups.map(async (g, i) => {
          const refused = g.find((o) => refusals.has(o.id));
          if (refused === undefined) {
            this.registered(g);
            this.deps.objects.retireIntent(intents[i]); // done: nothing to reconcile (gone with the next write)
            return { refusal: undefined, undone: true };
          }
          const undone = await this.undoGroup(g, created, intents[i]);
          return { refusal: await this.named(refusals.get(refused.id)), undone };
        }),
      );
      ended?.(settled.every((g) => g.undone));
      return settled.map((g) => g.refusal);
    } catch (err) {
      const undone = await Promise.all(groups.map((g, i) => this.undoGroup(g, created, intents[i])));
      ended?.(undone.every(Boolean));
      throw err;
    }
  }

  /** Objects whose records and metadata this backend wrote, for good: `created` is told what the metadata says. */
  private registered(objects: DataClayObject[]): void {
    if (!this.deps.created) return;
    for (const o of objects) {
      const facts = factsOf(o); // as metadataOf wrote them (an owned object's dataset never changes)
      if (facts) this.deps.created(o.id, facts);
    }
  }

  /** A refused group's undo, its intent gone with it; kept when the undo could not finish (the next start does). */
  private async undoGroup(group: DataClayObject[], created: ReadonlySet<string>, intent: string): Promise<boolean> {
    // never rejects: a failure here must not send the groups already settled to the whole request's undo
    const undone = await this.undo(group, created).catch(() => false);
    if (undone) await this.deps.objects.removeIntent(intent).catch(() => undefined);
    return undone;
  }

  /**
   * The objects' records, with the intent that covers each group (same transaction: lmdb commits a turn's writes).
   */
  private writeRecords(
    intents: string[],
    groups: DataClayObject[][],
    dataset: string,
    alias?: string,
  ): Promise<unknown> {
    return Promise.all([
      ...groups.map((g, i) => {
        const ids = g.map((o) => o.id);
        return this.deps.objects.putIntent(
          intents[i],
          alias === undefined ? { ids, dataset } : { ids, dataset, alias },
        );
      }),
      this.deps.save(groups.flat()),
    ]);
  }

  /** Each object's metadata (with the lineage, if any); those created go in `created`. The refusals, by id. */
  private async createMetadata(
    objects: DataClayObject[],
    known: Lineage | undefined,
    created: Set<string>,
  ): Promise<Map<string, unknown>> {
    const refusals = new Map<string, unknown>();
    await Promise.all(
      objects.map((o) =>
        this.deps.store.createObject({ ...this.metadataOf(o), ...known }).then(
          (seq) => {
            this.deps.marks?.acknowledged(seq);
            created.add(o.id);
          },
          (err: unknown) => void refusals.set(o.id, err),
        ),
      ),
    );
    return refusals;
  }

  /**
   * Undoes the registration of `objects`: here, their records, and what this attempt created of their metadata
   * (and the alias). False when the metadata could not be reached: the intent is kept, so the next start finishes
   * it (reconcile.ts), and a refused create never leaves an alias or metadata naming an object that is not here.
   */
  private async undo(
    objects: DataClayObject[],
    created: ReadonlySet<string>,
    alias?: { dataset: string; alias: string },
  ): Promise<boolean> {
    if (objects.length === 0) return true;
    for (const o of objects) this.unregister(o);
    const { store } = this.deps;
    const undo = await Promise.allSettled([
      ...objects.map((o) => this.deps.objects.remove(o.id)),
      ...objects.filter((o) => created.has(o.id)).map((o) => store.deleteObject(o.id)),
      ...(alias ? [store.deleteAlias(alias.dataset, alias.alias, objects[0].id)] : []),
    ]);
    return undo.every((r) => r.status === 'fulfilled');
  }

  /**
   * Creates an alias of `obj` (in its dataset, on this backend) unless it already names it (a first attempt made it);
   * true if this call made it.
   */
  async ensureAlias(dataset: string, alias: string, obj: DataClayObject): Promise<boolean> {
    const target = { id: obj.id, className: obj[STATE].info.name, dataset, master: this.backendId };
    try {
      await this.deps.store.createAlias(dataset, alias, target);
      return true;
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      const named = await this.deps.store.getAlias(dataset, alias);
      if (named !== undefined && aliasedId(named) === obj.id) return false;
      throw err;
    }
  }

  /**
   * An object built by the running request becomes known to the cluster now, before an operation that needs its
   * metadata (addAlias, move, newVersion...), rather than with the request's reply.
   */
  settle(obj: DataClayObject): Promise<void> | undefined {
    const ctx = sessionStorage.getStore();
    const i = ctx?.created?.indexOf(obj) ?? -1;
    if (!ctx?.created || i < 0) return undefined;
    ctx.created.splice(i, 1);
    ctx.touched?.add(obj); // what the method changes in it afterwards is saved with the request
    return this.create([obj], ctx.dataset);
  }

  /** An "already persistent" refusal names the backend that holds the object. */
  private async named(err: unknown): Promise<unknown> {
    if (!(err instanceof AlreadyPersistentError) || err.data.backendId !== undefined) return err;
    const md = await this.deps.store.getObject(err.data.objectId).catch(() => undefined);
    return new AlreadyPersistentError(err.data.objectId, md?.master, { cause: err });
  }

  /**
   * An object constructed while this backend serves a request (inside an active method) is persistent here at
   * once, in the caller's dataset; the reply waits until it is stored and its metadata written.
   */
  adopt(obj: DataClayObject): void {
    const ctx = sessionStorage.getStore();
    if (!ctx?.created) return;
    this.deps.mayCreate?.(ctx); // refused at `new`: nothing of it exists, and the request fails unless it catches
    this.own(obj, ctx.dataset);
    ctx.created.push(obj);
  }

  /** The object is this backend's now, loaded, in `dataset` (a received one starts without replicas). */
  own(obj: DataClayObject, dataset: string): OwnedObject {
    const state = own(obj, this.backendId, dataset);
    this.deps.claim?.(obj.id);
    this.deps.heap.add(obj);
    this.deps.identity.add(obj);
    return state;
  }

  /** Undoes `own` for a registration that failed. */
  unregister(obj: DataClayObject): void {
    this.deps.heap.delete(obj.id);
    this.deps.identity.delete(obj.id);
    disown(obj);
  }

  /** The metadata record of an object this backend owns (loaded, or evicted since), as its state says. */
  metadataOf(obj: DataClayObject): ObjectMetadata {
    const facts = factsOf(obj);
    if (!facts) throw new DoesNotExistError(obj.id);
    return { id: obj.id, ...facts, master: this.backendId, replicas: [...(obj[STATE].replicas ?? [])] };
  }
}

/** The class and dataset of an object this backend owns (loaded, or evicted since); undefined for any other. */
export function factsOf(obj: DataClayObject): ObjectFacts | undefined {
  const s = obj[STATE];
  if ((s.kind !== 'owned' && s.kind !== 'evicted') || s.dataset === undefined) return undefined;
  return { className: s.info.name, dataset: s.dataset };
}

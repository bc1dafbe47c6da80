// Replicas. A backend holds replicas of other backends' objects (refreshed by their master, each copy on disk before
// it is acknowledged: a replica is a backup that can take over, failover.ts), and, as a master, pushes every change
// of a replicated object to its replicas before the change is acknowledged. Each copy carries its master's epoch: a
// copy refuses an older one (docs/failover.md).
import {
  BackendUnavailableError,
  FencedError,
  ObjectMovedError,
  ReadOnlyViolationError,
  ReplicaWriteError,
  WrongBackendError,
} from '../errors.js';
import { blank, holdReplica, setReplicas, toProxy } from '../object/lifecycle.js';
import { dropFields } from '../object/locality.js';
import type { CopyOrder, TransferRecord } from '../protocol/backend-ops.js';
import { randomInt } from 'node:crypto';
import type { DataClayObject } from '../object/dataclay-object.js';
import { evolveReceived, shapeOf, type StoredShape } from '../object/evolution.js';
import { restoreState } from '../object/object-state.js';
import { classInfoByName } from '../object/registry.js';
import { STATE } from '../object/state.js';
import { chunkBySize, recordSize } from '../messaging/chunks.js';
import { decode, encodeState } from '../serialization/codec.js';
import { detached } from '../serialization/strings.js';
import { captureState, hasStateHooks } from '../object/object-state.js';
import { ObjectStore, type BackupRecord } from './object-store.js';
import { HeldCopies, type Held } from './held-copies.js';
import { OwedRetires } from './owed-retires.js';
import type { MemoryBudget } from './heap.js';
import type { ClassInfo } from '../object/meta.js';
import { BACKEND_STALE_MS, type MetadataStore } from '../metadata/store.js';
import type { Epochs } from './epochs.js';
import type { ObjectMetadata } from '../metadata/types.js';
import type { IdentityMap } from '../object/identity.js';
import type { ObjectState } from '../object/state.js';
import type { RefResolver } from '../serialization/codec.js';
import type { Requests } from '../runtime/requests.js';
import type { Logger } from 'pino';

export interface ReplicasDeps {
  backendId: string;
  identity: IdentityMap;
  resolveRef: RefResolver;
  store: Pick<
    MetadataStore,
    'getObject' | 'getObjectEntry' | 'updateObject' | 'putObject' | 'listBackends' | 'backendStamp' | 'serverNow'
  >;
  objects: Pick<ObjectStore, 'get' | 'put' | 'putBackup' | 'removeBackup' | 'backups' | 'backup'>;
  /** The budget loaded copies keep to (the heap's numbers, counted apart from the objects mastered here). */
  budget?: MemoryBudget;
  /** Whether calls run on the object now (a loaded copy in use is never evicted). */
  pinned: (id: string) => boolean;
  epochs: Epochs;
  /** Whether this backend masters the object (then a copy sent to it is a stale master's, or this one is stale). */
  mastersHere: (id: string) => boolean;
  /** Whether the object is being shipped away from here (a move in progress: ownership.ts). */
  leavingHere: (id: string) => boolean;
  /** A newer master sends a copy of an object this backend still masters at an older epoch: this one goes. */
  superseded: (id: string, master: string, epoch: number) => Promise<void>;
  /** A replica was dropped from an object this backend masters (unreachable): its backups are made whole later. */
  onDropped: (obj: DataClayObject) => void;
  /** A copy refused this master's write, or the metadata names another master: see whether the object is lost. */
  onFenced: (obj: DataClayObject, err: FencedError) => Promise<void>;
  requests: Pick<Requests, 'request' | 'wire' | 'batchBudget'>;
  metadataOf: (obj: DataClayObject) => ObjectMetadata;
  /** Loads an evicted object (its state now). */
  load: (obj: DataClayObject) => ObjectState;
  onBackgroundError: (err: unknown) => void;
  log: Pick<Logger, 'info'>;
}

/** How often a copy sent and not answered yet looks whether its holder is still live. */
const HOLDER_CHECK_MS = 500;

/** A copy in memory: its instance (read-only fields) and the state its master last sent, as sent. */
interface Loaded {
  obj: DataClayObject;
  state: Uint8Array;
  shape: StoredShape | undefined;
}

/** A copy as a promotion starts from it. */
export interface Copy extends Loaded {
  revision: number;
}

/** Whether `copy` is older than `held`: from the same master process, at the same epoch, and ordered before it. */
function olderCopy(copy: CopyOrder | undefined, held: CopyOrder | undefined): boolean {
  return copy !== undefined && held !== undefined && copy[0] === held[0] && copy[1] <= held[1];
}

export class Replicas {
  /** Every copy of an object mastered elsewhere that this backend holds (on disk, loaded or not). */
  private readonly held = new HeldCopies();
  /**
   * The copies in memory, least recently used first when there is a budget: the others are on disk only, their
   * instances proxies of their master until a read loads them again (a replica is there to serve reads nearby).
   */
  private readonly loaded = new Map<string, Loaded>();
  private loadedBytes = 0;
  /** One string per master, shared by every copy it sent (not one decoded with each message). */
  private readonly masterNames = new Map<string, string>();
  /** This process, as the master of the copies it sends, and how many it sent (what orders them at a holder). */
  private readonly incarnation = randomInt(2 ** 47);
  private sent = 0;

  /** Retires owed to holders that could not be told (owed-retires.ts). */
  private readonly owed: OwedRetires;

  constructor(private readonly rt: ReplicasDeps) {
    this.owed = new OwedRetires({
      retire: (holder, ids) => this.retireCopies(holder, ids),
      names: (id, holder) => this.namesHolder(id, holder),
      changing: (id) => this.changing.has(id),
      log: rt.log,
      onBackgroundError: (err) => rt.onBackgroundError(err),
    });
  }

  /** The order of a copy whose state is captured now (write-through.ts, and the copies sent from here). */
  order(): CopyOrder {
    return [this.incarnation, ++this.sent];
  }

  /** Whether a copy of the object is held here (loaded or not). */
  holds(id: string): boolean {
    return this.held.has(id);
  }

  /** Copies held here. */
  get size(): number {
    return this.held.size;
  }

  /** Copies held here and loaded in memory. */
  get loadedCount(): number {
    return this.loaded.size;
  }

  /** What is known of a copy held here without loading it (its master, revision, epoch). */
  info(id: string): Readonly<Held> | undefined {
    return this.held.get(id);
  }

  /**
   * The copy held here, as the master last sent it (what a promotion starts from): the loaded instance, or for one on
   * disk only, the instance this process has of it (a proxy) or a blank one, with the state read from disk.
   */
  copy(id: string): Copy | undefined {
    const held = this.held.get(id);
    if (!held) return undefined;
    const loaded = this.loaded.get(id);
    if (loaded) return { ...loaded, revision: held.revision };
    const record = this.rt.objects.backup(id);
    if (!record) return undefined;
    const [, , state, shape] = record;
    return { obj: this.known(id, held.info) ?? blank(held.info, id), state, shape, revision: held.revision };
  }

  /**
   * Takes, or refreshes, replicas sent by their master, on disk before it resolves. A copy from an older epoch than
   * the one held (a master that lost the object), or of an object this backend masters, is refused: FencedError,
   * and nothing of the batch is taken.
   */
  async receive(records: TransferRecord[], master: string): Promise<void> {
    const stale: [string, number][] = [];
    for (const [id, , , , , epoch = 0] of records) {
      // the new master of an object this backend is still shipping to it: the copy would go with the release that
      // ends the move (drop below), leaving the object short of a backup; refused, it is placed again after it
      if (this.rt.leavingHere(id)) throw new ObjectMovedError(id, master);
      if (this.rt.mastersHere(id)) {
        const mine = this.rt.epochs.of(id);
        if (epoch <= mine) throw new FencedError(id, this.rt.backendId, mine);
        stale.push([id, epoch]);
      }
      const held = this.held.get(id);
      if (held && held.epoch > epoch) throw new FencedError(id, held.master, held.epoch);
    }
    for (const [id, epoch] of stale) await this.rt.superseded(id, master, epoch);
    // a copy older than the one held (it came by another path, later) is not taken: the newer state stays. It is
    // answered as taken: the holder has that state or a newer one, on disk (or on its way there, awaited below)
    const newer: TransferRecord[] = [];
    const kept: (Promise<unknown> | undefined)[] = [];
    for (const r of records) {
      const [id, , , , , epoch = 0, order] = r;
      const held = this.held.get(id);
      if (held && held.epoch === epoch && held.master === master && olderCopy(order, held.order))
        kept.push(this.writing.get(id));
      else newer.push(r);
    }
    this.take(newer, master);
    const writes = newer.map(([id, className, dataset, state, shape, epoch = 0, order]) =>
      this.track(id, this.rt.objects.putBackup(id, [className, dataset, state, shape, master, epoch, order])),
    );
    this.trim(); // after the writes are tracked: a copy is never evicted before its state is on disk to load from
    try {
      await Promise.all([...kept, ...writes]);
    } finally {
      this.trim(); // the copies this batch kept loaded while they were written (a resend is every copy at once)
    }
  }

  /** The disk write of each copy's last state taken: a copy answered without taking it waits for it. */
  private readonly writing = new Map<string, Promise<unknown>>();

  private track(id: string, write: Promise<unknown>): Promise<unknown> {
    this.writing.set(id, write);
    const done = () => this.writing.get(id) === write && this.writing.delete(id);
    write.then(done, done);
    return write;
  }

  /**
   * The copies this backend held when it stopped, from its store: a backup survives its holder's restart. They are
   * known at once and loaded on first read (or promotion).
   */
  restore(): number {
    const now = performance.now();
    for (const [id, [className, , , , master, epoch, order]] of this.rt.objects.backups()) {
      try {
        const info = classInfoByName(className);
        this.held.set(detached(id), { info, master: this.master(master), epoch, order, at: now });
      } catch (err) {
        this.rt.onBackgroundError(err); // a class this build no longer has: the copy stays on disk, unused
      }
    }
    return this.held.size;
  }

  private take(records: TransferRecord[], master: string): void {
    const batch = new Map<string, DataClayObject>();
    for (const [id, className, dataset] of records) {
      const info = classInfoByName(className);
      batch.set(id, this.instance(id, info, master, dataset));
    }
    const resolve = (id: string, cls: string, hint: string | null) =>
      batch.get(id) ?? this.rt.resolveRef(id, cls, hint);
    const at = performance.now();
    for (const [id, , , sent, shape, epoch = 0, order] of records) {
      const obj = batch.get(id)!;
      // kept a while: a view into the request's buffer would keep all of that buffer alive with it
      const state = sent.byteLength === sent.buffer.byteLength ? sent : new Uint8Array(sent);
      this.fill(obj, state, shape, resolve);
      // a key already held stays (Map.set keeps it): a new one is detached from the request's strings
      this.held.set(this.held.has(id) ? id : detached(id), {
        info: obj[STATE].info,
        master: this.master(master),
        epoch,
        order,
        at,
      });
      this.keep(id, { obj, state, shape });
    }
  }

  private master(name: string): string {
    const known = this.masterNames.get(name);
    if (known) return known;
    const shared = detached(name);
    this.masterNames.set(shared, shared);
    return shared;
  }

  /** The instance a copy's state goes into: the loaded copy, the one this process has (a proxy), or a blank one. */
  private instance(id: string, info: ClassInfo, master: string, dataset: string): DataClayObject {
    const obj = this.known(id, info) ?? blank(info, id);
    holdReplica(obj, master, dataset);
    this.rt.identity.add(obj);
    return obj;
  }

  /** The instance this process has of the object; one of another class (a forged reference made it) is not it. */
  private known(id: string, info: ClassInfo): DataClayObject | undefined {
    const known = this.loaded.get(id)?.obj ?? this.rt.identity.get(id);
    return known?.[STATE].info === info ? known : undefined;
  }

  private fill(obj: DataClayObject, state: Uint8Array, shape: StoredShape | undefined, resolve: RefResolver): void {
    dropFields(obj); // the read-only accessors of the previous state: a state hook assigns fields
    const { info, id } = obj[STATE];
    restoreState(obj, evolveReceived(info, id, decode(state, resolve), shape, hasStateHooks(obj)));
    readOnlyFields(obj);
  }

  /** The copy is in memory, most recently used. */
  private keep(id: string, copy: Loaded): void {
    this.unload(id);
    this.loaded.set(id, copy);
    this.loadedBytes += copy.state.length;
  }

  private unload(id: string): Loaded | undefined {
    const copy = this.loaded.get(id);
    if (!copy) return undefined;
    this.loaded.delete(id);
    this.loadedBytes -= copy.state.length;
    return copy;
  }

  /** The loaded copy's instance, loaded from disk if it was evicted; undefined when its record is gone. */
  private load(id: string): DataClayObject | undefined {
    const copy = this.loaded.get(id);
    if (copy) {
      if (this.rt.budget?.maxObjects !== undefined || this.rt.budget?.maxBytes !== undefined) this.keep(id, copy); // most recently used
      return copy.obj;
    }
    const held = this.held.get(id);
    const record: BackupRecord | undefined = held && this.rt.objects.backup(id);
    if (!held || !record) return undefined;
    const [, dataset, state, shape] = record;
    const obj = this.instance(id, held.info, held.master, dataset);
    this.fill(obj, state, shape, this.rt.resolveRef);
    this.keep(id, { obj, state, shape });
    this.trim(id);
    return obj;
  }

  /**
   * Evicts the least recently used copies beyond the budget: each becomes a proxy of its master (it is on disk, and
   * loads again on the next read). Skipped: copies in use, copies whose state is not on disk yet, and `spare`.
   */
  private trim(spare?: string): void {
    const { maxObjects = Infinity, maxBytes = Infinity } = this.rt.budget ?? {};
    if (this.loaded.size <= maxObjects && this.loadedBytes <= maxBytes) return;
    for (const id of this.loaded.keys()) {
      // deleting the entry iterated is safe for a Map
      if (this.loaded.size <= maxObjects && this.loadedBytes <= maxBytes) return;
      if (id === spare || this.writing.has(id) || this.rt.pinned(id)) continue;
      const copy = this.unload(id)!;
      toProxy(copy.obj, this.held.master(id) ?? copy.obj[STATE].backendId!);
    }
  }

  /**
   * A promotion of this copy is under way at `epoch`: from now on the old master's writes are refused here. Returns
   * the epoch held before (to go back to if the promotion loses).
   */
  fence(id: string, epoch: number): number {
    const before = this.held.get(id)?.epoch ?? 0;
    this.held.setEpoch(id, epoch);
    return before;
  }

  /**
   * The replica, if its master still counts on it: a replica the master gave up on (it missed an update) must not
   * serve reads, so every read checks the metadata first (one KV read) and a stale replica is dropped.
   */
  async checked(id: string): Promise<DataClayObject> {
    const held = this.held.get(id)!;
    const md = await this.rt.store.getObject(id);
    const owner = md?.master ?? held.master;
    if (md && md.forward === undefined && md.replicas.includes(this.rt.backendId)) {
      // loaded after the read, in the same turn as the reply's caller resumes: no eviction comes in between
      const obj = this.load(id);
      if (obj) return obj;
    } else if (this.held.revision(id) === held.revision) {
      // a copy taken while the metadata was read is newer than that read (a placement named this holder again)
      this.drop(id, owner);
    }
    throw new WrongBackendError(id, owner);
  }

  /** Forgets the copy in memory only: a promotion turns it into the object and removes its record after. */
  forget(id: string): void {
    this.held.delete(id);
    this.unload(id);
  }

  /**
   * Drops a replica: the instance becomes a proxy of `owner`; with `keep`, the caller turns the loaded instance into
   * something else (a move to this backend makes it the object itself). Returns the loaded instance, if any.
   */
  drop(id: string, owner: string, keep = false): DataClayObject | undefined {
    if (!this.held.delete(id)) return undefined;
    const obj = this.unload(id)?.obj;
    if (obj && !keep) toProxy(obj, owner);
    // a copy left on disk by a crash here is dropped at the next start (failover.ts checks each against the metadata)
    this.rt.objects.removeBackup(id).catch((err) => this.rt.onBackgroundError(err));
    return obj;
  }

  /**
   * A master retires its copy held here: dropped if it is that master's at that epoch or an older one, or an older
   * master's (a moved object's new master retires the old replicas it did not keep).
   */
  retire(id: string, master: string, epoch: number, order?: CopyOrder): void {
    const held = this.held.get(id);
    if (!held) return;
    const mine = held.master === master;
    // a copy this master process sent after the retire (it overtook it) stays: the retire is the older of the two
    if (mine && held.epoch === epoch && olderCopy(order, held.order)) return;
    if ((mine && held.epoch <= epoch) || held.epoch < epoch) this.drop(id, master);
  }

  /** The masters of the replicas held here (kept as counts: failover asks each tick, a scan would cost a pass). */
  masters(): string[] {
    return this.held.masters();
  }

  /** The replicas held here whose master is `master` (a pass over every copy: when that master died). */
  heldFrom(master: string): string[] {
    return this.held.from(master);
  }

  /** The replicas held here, by their master. */
  heldByMaster(): Map<string, string[]> {
    return this.held.byMaster();
  }

  revision(id: string): number {
    return this.held.revision(id);
  }

  /** The copies whose master sent nothing for `ms` (what failover.ts checks against the metadata). */
  quietFor(ms: number): string[] {
    return this.held.takenBefore(performance.now() - ms);
  }

  /** A live backend holding no copy of any of these objects, at random; null when every backend has one. */
  async backendWithoutCopy(objects: DataClayObject[]): Promise<string | null> {
    const taken = new Set([this.rt.backendId, ...objects.flatMap((o) => o[STATE].replicas ?? [])]);
    // a draining backend is emptying itself: a new copy there would have to be handed over again
    const free = (await this.rt.store.listBackends()).filter((b) => !b.draining && !taken.has(b.id)).map((b) => b.id);
    return free.length === 0 ? null : free[Math.floor(Math.random() * free.length)];
  }

  /** Master side: adds a replica backend to an object this backend masters: in its record, and in its metadata. */
  addReplica(obj: DataClayObject, replica: string): Promise<void> {
    return this.changeReplicas(obj, (now) => [...now, replica]);
  }

  /** Master side: removes a replica backend (unreachable, or dropped) from an object this backend masters. */
  forgetReplica(obj: DataClayObject, replica: string): Promise<void> {
    return this.changeReplicas(obj, (now) => now.filter((r) => r !== replica));
  }

  /** Each object's replica change in progress: changes of one object run one after the other, each from the last. */
  private readonly changing = new Map<string, Promise<void>>();

  /** Master side: the replicas become what `edit` makes of them when this change's turn comes (a placement's). */
  changeReplicas(obj: DataClayObject, edit: (now: readonly string[]) => string[]): Promise<void> {
    const before = this.changing.get(obj.id);
    const run = (before ?? Promise.resolve()).catch(() => undefined).then(() => this.rewrite(obj, edit));
    const tracked = run.finally(() => this.changing.get(obj.id) === tracked && this.changing.delete(obj.id));
    this.changing.set(obj.id, tracked);
    return tracked;
  }

  /**
   * The replicas become `edit`'s, in the record and in the metadata (by compare-and-set, only while it still names
   * this backend the master at this epoch: a master that lost the object is fenced). What the state names stays a
   * superset of what the metadata names at every moment: writes are pushed to the state's replicas and a promotion
   * picks from the metadata's, so a holder is left out of pushes only once the metadata no longer names it. Until the
   * metadata is written the state (and the record, for a restart) names the old replicas and the new ones; after it,
   * the new ones only. A change that cannot be written leaves the old ones.
   */
  private async rewrite(obj: DataClayObject, edit: (now: readonly string[]) => string[]): Promise<void> {
    const state = this.rt.load(obj);
    if (state.kind !== 'owned') return; // moved away meanwhile: no record of it here to rewrite
    const old = [...(state.replicas ?? [])];
    const replicas = [...new Set(edit(old))];
    const epoch = this.rt.epochs.of(state.id);
    const writeRecord = () => {
      const now = this.rt.load(obj);
      if (now.kind !== 'owned') return Promise.resolve(true);
      return this.rt.objects.put(now.id, ObjectStore.recordOf(now, encodeState(captureState(obj)), epoch));
    };
    const widened = [...new Set([...old, ...replicas])];
    if (widened.length > old.length) {
      setReplicas(obj, widened);
      await writeRecord(); // a restart before the metadata is written pushes to both
    }
    try {
      for (;;) {
        const entry = await this.rt.store.getObjectEntry(state.id);
        // none yet: a registration in flight writes it from the state, replicas included (or the object is gone)
        if (!entry) break;
        const { md, revision } = entry;
        if (md.master !== this.rt.backendId || (md.epoch ?? 0) > epoch) {
          const err = new FencedError(state.id, md.master, md.epoch ?? 0);
          await this.rt.onFenced(obj, err);
          throw err;
        }
        if ((await this.rt.store.updateObject({ ...md, replicas }, revision)) !== undefined) break;
      }
    } catch (err) {
      // a failed compare-and-set may still have been applied (a timeout says nothing): the state keeps naming both
      // the old and the new replicas, and the object is placed again later
      if (!(err instanceof FencedError) && this.rt.load(obj).kind === 'owned') this.rt.onDropped(obj);
      throw err;
    }
    // the holders left out no longer back the object up (the metadata says so now): each is owed a retire, sent at
    // a tick once it is live (one gone meanwhile may come back with the copy, kept by its start's check) and this
    // change is over. Owed now, in the turn of the metadata's answer: a copy wanted there from now on cancels it
    for (const r of old) if (!replicas.includes(r)) this.retireLater(r, [state.id]);
    // demoted or moved meanwhile (and maybe back at another epoch): this change is not the replicas' to set
    if (this.rt.load(obj).kind !== 'owned' || this.rt.epochs.of(state.id) !== epoch) return;
    setReplicas(obj, replicas);
    await writeRecord();
  }

  /** Master side: sends copies of objects it masters to `target`; resolves once the target has them on disk. */
  async sendCopies(target: string, objects: DataClayObject[]): Promise<void> {
    this.wanted(
      target,
      objects.map((o) => o.id),
    );
    // only what is still this backend's (one demoted or moved since it was chosen has nothing to send)
    const records = objects.filter((o) => this.rt.load(o).kind === 'owned').map((o) => this.transferRecord(o));
    for (const chunk of chunkBySize(records, recordSize, this.rt.requests.batchBudget()))
      await this.send(target, chunk);
  }

  /**
   * Copies to a holder; resolves once it has them on disk. A holder that died with the request in flight never
   * answers: once the live set says it is gone (its record BACKEND_STALE_MS old by the server's clock, which stops
   * when this backend's own view does), this fails with BackendUnavailableError instead of waiting the request's
   * whole timeout, and the caller drops the holder (and places another).
   */
  private send(holder: string, records: TransferRecord[]): Promise<void> {
    const s = this.rt.requests.wire();
    const request = this.rt.requests.request(holder, 'receive', [s, 'replica', records, this.rt.backendId]);
    return new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        const stamp = this.rt.store.backendStamp(holder);
        if (stamp !== undefined && this.rt.store.serverNow() - stamp < BACKEND_STALE_MS) return;
        clearInterval(check);
        reject(new BackendUnavailableError(holder));
      }, HOLDER_CHECK_MS);
      request.then(resolve, reject).finally(() => clearInterval(check));
    });
  }

  /**
   * Master side, best effort: asks a holder to drop its copies (a holder that misses it checks the metadata). Each
   * id goes with its epoch here (`epochs`, when the object is gone from here already): a holder drops only copies
   * this backend sent it at that epoch or before.
   */
  retireCopies(holder: string, ids: string[], epochs = ids.map((id) => this.rt.epochs.of(id))): Promise<void> {
    const s = this.rt.requests.wire();
    return this.rt.requests.request(holder, 'retire', [s, ids, this.rt.backendId, epochs, this.order()]);
  }

  /** These copies are wanted on `holder` (sent to it again): a retire owed to it from before must not name them. */
  wanted(holder: string, ids: readonly string[]): void {
    this.owed.forgive(holder, ids);
  }

  /** These copies on `holder` are no longer wanted: it is told at a tick, once live, and nothing may name it. */
  retireLater(holder: string, ids: Iterable<string>): void {
    this.owed.later(holder, ids);
  }

  /** These copies are being placed on `holder` until the returned function is called: no retire names them. */
  placing(holder: string, ids: readonly string[]): () => void {
    return this.owed.placing(holder, ids);
  }

  /** At a tick, with the live set: the retires owed to live holders are sent. */
  retireOwed(live: ReadonlySet<string>): void {
    this.owed.tick(live);
  }

  /** Whether this backend's state or record of the object names `holder` among its replicas. */
  private namesHolder(id: string, holder: string): boolean {
    const obj = this.rt.identity.get(id);
    if (obj?.[STATE].replicas?.includes(holder)) return true;
    return this.rt.objects.get(id)?.[3]?.includes(holder) ?? false;
  }

  /** The state a copy of the object gets, with its epoch. */
  transferRecord(obj: DataClayObject): TransferRecord {
    const state = this.rt.load(obj);
    const stateBytes = encodeState(captureState(obj), undefined, state.info.ctor.name);
    return [
      state.id,
      state.info.name,
      state.dataset!,
      stateBytes,
      shapeOf(state.info),
      this.rt.epochs.of(state.id),
      this.order(),
    ];
  }

  /**
   * Master side: sends the new state of replicated objects to every replica; resolves when all have it. A replica
   * that cannot be reached is dropped from the object's replicas (and from its metadata), never left stale.
   */
  async push(updates: { obj: DataClayObject; record: TransferRecord }[]): Promise<void> {
    const byReplica = new Map<string, TransferRecord[]>();
    for (const { obj, record } of updates) {
      for (const r of obj[STATE].replicas ?? []) byReplica.set(r, [...(byReplica.get(r) ?? []), record]);
    }
    let fenced: FencedError | undefined;
    await Promise.all(
      [...byReplica].map(async ([replica, records]) => {
        try {
          for (const chunk of chunkBySize(records, recordSize, this.rt.requests.batchBudget()))
            await this.send(replica, chunk);
        } catch (err) {
          if (err instanceof FencedError) {
            fenced = err; // a copy knows a newer master: this write must not be acknowledged
            return;
          }
          this.rt.onBackgroundError(err);
          const missed = updates.filter((u) => u.obj[STATE].replicas?.includes(replica));
          await Promise.all(missed.map((u) => this.forgetReplica(u.obj, replica)));
          for (const u of missed) this.rt.onDropped(u.obj);
          // it is told to drop them once it is live again (forgetReplica owes it the retires)
        }
      }),
    );
    if (fenced) {
      const err = fenced;
      const obj = updates.find((u) => u.obj.id === err.data.objectId)?.obj;
      if (obj) await this.rt.onFenced(obj, err);
      throw err;
    }
  }
}

/**
 * Makes a replica's fields read-only in this process: assigning one throws (only the master writes), and arrays and
 * plain objects in them are frozen. Map and Set contents cannot be frozen; a change to them lasts until the next
 * update from the master.
 */
export function readOnlyFields(obj: DataClayObject): void {
  const { info } = obj[STATE];
  for (const field of info.fieldNames) {
    if (!Object.hasOwn(obj, field)) continue;
    const value = deepFreeze((obj as unknown as Record<string, unknown>)[field]);
    Object.defineProperty(obj, field, {
      configurable: true,
      enumerable: true,
      get: () => value,
      set: () => {
        throw new ReplicaWriteError(info.ctor.name, field, obj.id);
      },
    });
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value) || proto === Object.prototype || proto === null) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function readOnlyViolation(obj: DataClayObject, method: string): ReadOnlyViolationError {
  return new ReadOnlyViolationError(obj[STATE].info.ctor.name, method, obj.id);
}

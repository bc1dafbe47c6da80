// DataClayObject: the base class of persistent classes and the public per-object API.
import { TransformerNotConfiguredError } from '../errors.js';
import type { ClassInfo } from './meta.js';
import { ownClassInfo } from './registry.js';
import { InvalidAliasError, ClassMismatchError, FieldNotFoundError } from '../errors.js';
import { restoreState } from './object-state.js';
import { currentRuntime, type DeleteOptions, type MakePersistentOptions, type MoveOptions } from './runtime-slot.js';
import { blank, construct, writableHere } from './lifecycle.js';
import { STATE, type ObjectState } from './state.js';
import { checkOptions } from './option-check.js';

const MOVE_OPTIONS = { recursive: 'boolean', remotes: 'boolean' } as const;

/** Names of the data (non-function) members of T that are not DataClayObject's own API. */
export type DataFields<T> = {
  [K in keyof T]: K extends keyof DataClayObject ? never : T[K] extends (...args: never[]) => unknown ? never : K;
}[keyof T] &
  string;

type Constructor<T> = abstract new (...args: never[]) => T;

function infoOf(ctor: Function): ClassInfo {
  const info = ownClassInfo(ctor);
  if (!info) throw new TransformerNotConfiguredError(`class ${ctor.name} (not decorated with @persistent, or)`);
  return info;
}

export class DataClayObject {
  /** @internal The lifecycle state (object/state.ts), written only by object/lifecycle.ts. */
  declare readonly [STATE]: ObjectState;

  constructor() {
    construct(this, infoOf(new.target));
  }

  /** Object id (a UUID), assigned at construction, before the object is persistent. */
  get id(): string {
    return this[STATE].id;
  }
  /** The backend that owns the object, as last known in this process. */
  get backendId(): string | undefined {
    return this[STATE].backendId;
  }
  /** Backends holding replicas of the object, as last known in this process. */
  get replicaBackendIds(): readonly string[] {
    return this[STATE].replicas ?? [];
  }
  get isRegistered(): boolean {
    return this[STATE].registered;
  }
  /** True when the fields are in this process: a new object, or one owned by this backend. */
  get isLocal(): boolean {
    return this[STATE].local;
  }
  /** The stable class name shared by client and backend builds. */
  get className(): string {
    return this[STATE].info.name;
  }

  /** Makes this object and every unregistered object it references persistent, on one backend, in one request. */
  async makePersistent(options?: MakePersistentOptions): Promise<void> {
    const checked = checkOptions('makePersistent', options, { alias: 'string', backendId: 'string' });
    await currentRuntime().makePersistent(this, checked);
  }

  /**
   * Moves the object to another backend (and, with `recursive`, what it references); state goes backend to backend.
   * Proxies anywhere that still point at the old backend repair themselves on their next use.
   */
  async move(backendId: string, options?: MoveOptions): Promise<void> {
    await currentRuntime().move(this, backendId, checkOptions('move', options, MOVE_OPTIONS));
  }

  /**
   * A read replica on another backend (`backendId`, or a random one without a copy): it serves dcGet and
   * read-only active methods; writes go to the master, which updates every replica before acknowledging them.
   * Only masters are replicated. With `recursive`, what the object references is replicated too.
   */
  async newReplica(backendId?: string, options?: MoveOptions): Promise<void> {
    await currentRuntime().newReplica(this, backendId, checkOptions('newReplica', options, MOVE_OPTIONS));
  }

  /**
   * A new version: an independent copy (new id) linked to this object, its original, on `backendId` (default:
   * where this object lives). Versions of versions work; see consolidateVersion.
   */
  async newVersion(backendId?: string): Promise<this> {
    return (await currentRuntime().newVersion(this, backendId)) as this;
  }

  /**
   * Makes the original carry this version's state, under the original's id: every reference to the original, to
   * this version or to a version in between now reaches that state. ObjectIsNotVersionError on a non-version.
   */
  async consolidateVersion(): Promise<void> {
    await currentRuntime().consolidateVersion(this);
  }

  /**
   * Deletes the object everywhere, durably: its record, its metadata, its aliases, its replicas. Later uses of any
   * proxy of it give DoesNotExistError. With `recursive`, what it reaches that no alias reaches other than through
   * it (within its dataset) goes too. Resolves to how many objects were deleted.
   */
  async dcDelete(options?: DeleteOptions): Promise<number> {
    return currentRuntime().delete(this, checkOptions('dcDelete', options, { recursive: 'boolean' }));
  }

  /** Refreshes where this process thinks the object lives (its backend), from the metadata. */
  async sync(): Promise<void> {
    await currentRuntime().sync(this);
  }

  async addAlias(alias: string): Promise<void> {
    await currentRuntime().addAlias(this, alias);
  }

  async getAliases(): Promise<Set<string>> {
    return currentRuntime().getAliases(this);
  }

  /** Reads a persistent field wherever the object lives; a local object answers at once. */
  async dcGet<K extends DataFields<this>>(field: K): Promise<this[K]> {
    if (this[STATE].local) return this[knownField(this[STATE], field)];
    return (await currentRuntime().getField(this, field)) as this[K];
  }

  async dcSet<K extends DataFields<this>>(field: K, value: this[K]): Promise<void> {
    if (writableHere(this[STATE])) {
      this[knownField(this[STATE], field)] = value;
      return;
    }
    await currentRuntime().setField(this, field, value);
  }

  /** makePersistent with a required alias (dataClay's object-store "put"). */
  async dcPut(alias: string, backendId?: string): Promise<void> {
    if (typeof alias !== 'string' || alias.length === 0) throw new InvalidAliasError(alias);
    await this.makePersistent(backendId === undefined ? { alias } : { alias, backendId });
  }

  /**
   * A new, unregistered, local copy of this object's state (deep: nested values are copied; references to other
   * persistent objects stay references to the same objects). Works on local and remote objects.
   */
  async dcClone(): Promise<this> {
    const state = this[STATE];
    const copy = blank(state.info) as this;
    restoreState(copy, await currentRuntime().getState(this));
    return copy;
  }

  /** Replaces this object's state with a copy of `from`'s, which must be of the same class. */
  async dcUpdate(from: this): Promise<void> {
    if (!(from instanceof this.constructor)) {
      const theirs = from instanceof DataClayObject ? from.className : typeof from;
      throw new ClassMismatchError(this.className, theirs);
    }
    const runtime = currentRuntime();
    await runtime.setState(this, await runtime.getState(from));
  }

  /** Same object (same id), whatever process or proxy holds it. */
  equals(other: unknown): boolean {
    return other instanceof DataClayObject && other.id === this.id;
  }

  toString(): string {
    return `<${this.className} ${this[STATE].registered ? this.id : 'unregistered'}>`;
  }

  static async getById<T extends DataClayObject>(this: Constructor<T>, id: string): Promise<T> {
    // biome-ignore lint/complexity/noThisInStatic: the class it was called through (Person), a subclass
    return ofClass(this, await currentRuntime().getById(id), `object ${id}`);
  }

  static async getByAlias<T extends DataClayObject>(this: Constructor<T>, alias: string, dataset?: string): Promise<T> {
    // biome-ignore lint/complexity/noThisInStatic: the class it was called through (Person), a subclass
    return ofClass(this, await currentRuntime().getByAlias(alias, dataset), `alias '${alias}'`);
  }

  static async dcCloneByAlias<T extends DataClayObject>(
    this: Constructor<T>,
    alias: string,
    dataset?: string,
  ): Promise<T> {
    // biome-ignore lint/complexity/noThisInStatic: the class it was called through (Person), a subclass
    const obj = ofClass(this, await currentRuntime().getByAlias(alias, dataset), `alias '${alias}'`);
    return obj.dcClone();
  }

  static async dcUpdateByAlias<T extends DataClayObject>(this: Constructor<T>, alias: string, from: T): Promise<void> {
    // biome-ignore lint/complexity/noThisInStatic: the class it was called through (Person), a subclass
    const target = ofClass(this, await currentRuntime().getByAlias(alias), `alias '${alias}'`);
    await target.dcUpdate(from);
  }

  /** Deletes the object with this id (see dcDelete); DoesNotExistError when there is none. */
  static async deleteById(this: Constructor<DataClayObject>, id: string, options: DeleteOptions = {}): Promise<number> {
    // biome-ignore lint/complexity/noThisInStatic: the class it was called through (Person), a subclass
    return ofClass(this, await currentRuntime().getById(id), `object ${id}`).dcDelete(options);
  }

  /** Removes an alias (never the object). No error when the alias does not exist. */
  static async deleteAlias(alias: string, dataset?: string): Promise<void> {
    await currentRuntime().deleteAlias(alias, dataset);
  }
}

/**
 * The object found, as an instance of the class it was looked up through: `Person.getByAlias('x')` of a Dog is a
 * ClassMismatchError, not a Dog typed as a Person (DataClayObject's own lookups take any class).
 */
function ofClass<T extends DataClayObject>(ctor: Constructor<T>, obj: DataClayObject, found: string): T {
  if ((ctor as unknown) === DataClayObject || obj instanceof ctor) return obj as T;
  const expected = ownClassInfo(ctor)?.name ?? ctor.name;
  // a stand-in of this very class (decoded before the class was loaded here) is one; of another, it is not known
  // here to be a subclass, and a delete through the wrong class must not go through
  if (obj[STATE].info.open && obj.className === expected) return obj as T;
  throw new ClassMismatchError(expected, obj.className, { found });
}

/** A persistent field of the object's class, as a proxy's backend would check it (FieldNotFoundError otherwise). */
function knownField<K extends PropertyKey>(state: ObjectState, field: K): K {
  if (typeof field !== 'string' || !state.info.fieldNames.has(field)) {
    throw new FieldNotFoundError(state.info.name, String(field));
  }
  return field;
}

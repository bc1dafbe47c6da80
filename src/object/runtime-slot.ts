// The one runtime of this process (a client's or a backend's), which persistent objects delegate remote work to.
import { ClientNotStartedError } from '../errors.js';
import type { RequestContext } from './context.js';
import type { DataClayObject } from './dataclay-object.js';

export interface MakePersistentOptions {
  alias?: string;
  backendId?: string;
}

export interface MoveOptions {
  /** Also move every object reachable from this one (default false). */
  recursive?: boolean;
  /** With `recursive`: also move referents that live on other backends (default true); false moves only those
   * that lived on the same backend as this object. */
  remotes?: boolean;
}

export interface DeleteOptions {
  /**
   * Also delete what this object reaches that no alias reaches other than through it, within its dataset
   * (default false). docs/lifecycle.md.
   */
  recursive?: boolean;
}

export interface ObjectRuntime {
  /** The context operations run in now: the caller's inside a request or a `run`, the runtime's own otherwise. */
  session(): RequestContext;
  makePersistent(obj: DataClayObject, options: MakePersistentOptions): Promise<void>;
  /** `readonly`: the call may be served by any copy (master or replica). */
  call(obj: DataClayObject, method: string, args: unknown[], readonly?: boolean): Promise<unknown>;
  getField(obj: DataClayObject, field: string): Promise<unknown>;
  setField(obj: DataClayObject, field: string, value: unknown): Promise<void>;
  getById(id: string): Promise<DataClayObject>;
  getByAlias(alias: string, dataset?: string): Promise<DataClayObject>;
  deleteAlias(alias: string, dataset?: string): Promise<void>;
  addAlias(obj: DataClayObject, alias: string): Promise<void>;
  getAliases(obj: DataClayObject): Promise<Set<string>>;
  move(obj: DataClayObject, backendId: string, options: MoveOptions): Promise<void>;
  /** Runs a class's constructor on a backend; the new object is persistent there. */
  construct(className: string, args: unknown[], backendId?: string): Promise<DataClayObject>;
  newReplica(obj: DataClayObject, backendId: string | undefined, options: MoveOptions): Promise<void>;
  newVersion(obj: DataClayObject, backendId?: string): Promise<DataClayObject>;
  consolidateVersion(obj: DataClayObject): Promise<void>;
  /** Deletes the object (and with `recursive`, what only it reaches) everywhere; resolves to how many went. */
  delete(obj: DataClayObject, options: DeleteOptions): Promise<number>;
  /** Refreshes what this process knows of where the object lives. */
  sync(obj: DataClayObject): Promise<void>;
  /** A copy of an object's state (its fields, or its state hook's value), wherever the object lives. */
  getState(obj: DataClayObject): Promise<unknown>;
  /** Replaces an object's state, wherever the object lives. */
  setState(obj: DataClayObject, state: unknown): Promise<void>;
  /** Told of every object constructed in this process (a backend registers those built by active methods). */
  adopt?(obj: DataClayObject): void;
  /** Brings an evicted local object's fields back into memory, synchronously (a backend reads its store). */
  load?(obj: DataClayObject): void;
}

/** Started runtimes, most recent last: the active one is the last; stopping any one removes just that one. */
const started: ObjectRuntime[] = [];
let current: ObjectRuntime | undefined;

export function currentRuntime(): ObjectRuntime {
  if (!current) throw new ClientNotStartedError();
  return current;
}

/** Called by a field guard that met an evicted local object. */
export function loadEvicted(obj: DataClayObject): void {
  currentRuntime().load?.(obj);
}

let templating = 0;

/** Called by the DataClayObject constructor. */
export function adoptNew(obj: DataClayObject): void {
  if (templating === 0) current?.adopt?.(obj);
}

/** Runs `build` with nothing it constructs adopted as a new object (an instance read for its initial values only). */
export function buildingTemplate<T>(build: () => T): T {
  templating++;
  try {
    return build();
  } finally {
    templating--;
  }
}

export function installRuntime(runtime: ObjectRuntime): void {
  started.push(runtime);
  current = runtime;
}

export function removeRuntime(runtime: ObjectRuntime): void {
  const i = started.lastIndexOf(runtime);
  if (i >= 0) started.splice(i, 1);
  current = started.at(-1);
}

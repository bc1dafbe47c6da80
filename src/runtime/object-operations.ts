// The remote operations on persistent objects: calls, fields, state, moves, replicas, versions. Each goes to the
// object's owner through the routing; what a local object answers itself never leaves the process.
import {
  BackendUnavailableError,
  FieldNotFoundError,
  ObjectIsMasterError,
  ObjectNotRegisteredError,
} from '../errors.js';
import type { ObjectMetadata } from '../metadata/types.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { captureState, restoreState } from '../object/object-state.js';
import type { MakePersistentOptions, MoveOptions } from '../object/runtime-slot.js';
import { claimOf, learnDataset, learnReplicas, redirect, synced, writableHere } from '../object/lifecycle.js';
import { STATE } from '../object/state.js';
import type { ReplicateRequest } from '../protocol/backend-ops.js';
import type { RefResolver } from '../serialization/codec.js';
import { deepCopy } from '../serialization/graph.js';
import type { Placement } from './placement.js';
import type { Requests } from './requests.js';
import type { OwnerRouting } from './routing.js';

export interface ObjectOperationsDeps {
  routing: OwnerRouting;
  requests: Pick<Requests, 'request' | 'wire'>;
  placement: Placement;
  resolveRef: RefResolver;
  metadataOf: (id: string) => Promise<ObjectMetadata>;
  /** A move of an unregistered object is a make-persistent there. */
  makePersistent: (obj: DataClayObject, options: MakePersistentOptions) => Promise<void>;
}

export class ObjectOperations {
  private readonly routing: OwnerRouting;
  private readonly requests: Pick<Requests, 'request' | 'wire'>;

  constructor(private readonly deps: ObjectOperationsDeps) {
    this.routing = deps.routing;
    this.requests = deps.requests;
  }

  call(obj: DataClayObject, method: string, args: unknown[], readonly = false): Promise<unknown> {
    const operation = `${obj[STATE].info.ctor.name}.${method}()`;
    const label = { what: `${operation} args`, focus: args, operation };
    return this.routing.toOwner(obj, 'call', [this.requests.wire(), obj.id, method, args], {
      anyCopy: readonly,
      label,
    });
  }

  getField(obj: DataClayObject, field: string): Promise<unknown> {
    assertField(obj, field);
    const label = { what: field, focus: field, operation: `${obj[STATE].info.ctor.name}.dcGet('${field}')` };
    return this.routing.toOwner(obj, 'get', [this.requests.wire(), obj.id, field], { anyCopy: true, label });
  }

  async setField(obj: DataClayObject, field: string, value: unknown): Promise<void> {
    assertField(obj, field);
    const className = obj[STATE].info.ctor.name;
    const label = { what: `${className}.${field}`, focus: value, operation: `${className}.dcSet('${field}')` };
    await this.routing.toOwner(obj, 'set', [this.requests.wire(), obj.id, field, value], { label });
  }

  async getState(obj: DataClayObject): Promise<unknown> {
    if (obj[STATE].local) return deepCopy(captureState(obj));
    return this.routing.toOwner(obj, 'state', [this.requests.wire(), obj.id]);
  }

  async setState(obj: DataClayObject, state: unknown): Promise<void> {
    if (writableHere(obj[STATE])) return restoreState(obj, state);
    const label = { what: obj[STATE].info.ctor.name, focus: state };
    await this.routing.toOwner(obj, 'update', [this.requests.wire(), obj.id, state], { label });
  }

  async construct(className: string, args: unknown[], backendId?: string): Promise<DataClayObject> {
    const { placement } = this.deps;
    const target = backendId ?? (await placement.choose([className]));
    if (backendId !== undefined) await placement.check(backendId);
    const label = { what: `new ${className}() args`, focus: args, operation: `new ${className}()` };
    const construct = (on: string) =>
      this.requests.request(on, 'construct', [this.requests.wire(), className, args], label);
    try {
      return await construct(target);
    } catch (err) {
      // "no responders": no backend received it, so a backend the placement chose may be replaced, once
      if (backendId !== undefined || !(err instanceof BackendUnavailableError)) throw err;
      await placement.unavailable(target);
      return construct(await placement.choose([className]));
    }
  }

  async move(obj: DataClayObject, backendId: string, options: MoveOptions): Promise<void> {
    const claim = claimOf(obj);
    if (claim) await claim;
    if (!obj.isRegistered) return this.deps.makePersistent(obj, { backendId });
    await this.deps.placement.check(backendId);
    const { recursive = false, remotes = true } = options;
    await this.routing.toOwner(obj, 'move', [this.requests.wire(), [obj.id], backendId, recursive, remotes, false]);
    // this proxy knows at once; others (and the referents) repair themselves on their next use
    redirect(obj, backendId);
  }

  async newReplica(obj: DataClayObject, backendId: string | undefined, options: MoveOptions): Promise<void> {
    await persistent(obj);
    if (backendId !== undefined) await this.deps.placement.check(backendId);
    const { recursive = false, remotes = true } = options;
    const body: ReplicateRequest = [this.requests.wire(), [obj.id], backendId ?? null, recursive, remotes, false];
    const { target } = await this.routing.toOwner(obj, 'replicate', body);
    if (target === null) return; // every backend has a copy already
    learnReplicas(obj, [...new Set([...(obj[STATE].replicas ?? []), target])]);
  }

  async newVersion(obj: DataClayObject, backendId?: string): Promise<DataClayObject> {
    await persistent(obj);
    if (backendId !== undefined) await this.deps.placement.check(backendId);
    const [id, className, owner] = await this.routing.toOwner(obj, 'version', [this.requests.wire(), obj.id]);
    const version = this.deps.resolveRef(id, className, owner);
    learnDataset(version, obj[STATE].dataset);
    if (backendId !== undefined && backendId !== owner) await this.move(version, backendId, {});
    return version;
  }

  async consolidateVersion(obj: DataClayObject): Promise<void> {
    await persistent(obj);
    const [, owner] = await this.routing.toOwner(obj, 'consolidate', [this.requests.wire(), obj.id]);
    redirect(obj, owner); // the version's id now forwards to the original, there
  }

  async delete(obj: DataClayObject, recursive: boolean): Promise<number> {
    await persistent(obj);
    return this.routing.toOwner(obj, 'delete', [this.requests.wire(), [obj.id], recursive]);
  }

  /** Refreshes where a proxy (or a replica) thinks the object lives, from the metadata. */
  async sync(obj: DataClayObject): Promise<void> {
    const state = obj[STATE];
    if (!state.registered) throw new ObjectNotRegisteredError(state.id);
    if (writableHere(state)) throw new ObjectIsMasterError(state.id);
    synced(obj, await this.deps.metadataOf(state.id));
  }
}

/** Waits for a makePersistent in flight on the object; ObjectNotRegisteredError if it is still not persistent. */
async function persistent(obj: DataClayObject): Promise<void> {
  const claim = claimOf(obj);
  if (claim) await claim.catch(() => undefined);
  if (!obj.isRegistered) throw new ObjectNotRegisteredError(obj.id);
}

function assertField(obj: DataClayObject, field: string): void {
  const info = obj[STATE].info;
  if (!info.open && !info.fieldNames.has(field)) throw new FieldNotFoundError(info.name, field);
}

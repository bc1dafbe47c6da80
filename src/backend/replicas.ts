// Read replicas. A backend holds replicas of other backends' objects (in memory, refreshed by their master), and,
// as a master, pushes every change of a replicated object to its replicas before the change is acknowledged.
import { DataClayError } from '../errors.js';
import type { ReceiveRequest, TransferRecord } from '../messaging/protocol.js';
import { DataClayObject } from '../object/dataclay-object.js';
import { captureState, restoreState } from '../object/object-state.js';
import { classInfoByName } from '../object/registry.js';
import { STATE } from '../object/state.js';
import { toWire } from '../runtime/session.js';
import { chunkBySize } from '../messaging/chunks.js';
import { decode, encode } from '../serialization/codec.js';
import type { BackendRuntime } from './backend-runtime.js';

interface Held { obj: DataClayObject; state: Uint8Array }

export class Replicas {
  /** Replicas of objects mastered elsewhere, with the state their master last sent. */
  private readonly held = new Map<string, Held>();

  constructor(private readonly rt: BackendRuntime) {}

  get(id: string): DataClayObject | undefined {
    return this.held.get(id)?.obj;
  }

  get size(): number {
    return this.held.size;
  }

  /** Takes, or refreshes, replicas sent by their master. A proxy this process had becomes the replica. */
  receive(records: TransferRecord[], master: string): void {
    const batch = new Map<string, DataClayObject>();
    for (const [id, className, dataset] of records) {
      const obj = this.held.get(id)?.obj ?? this.rt.identity.get(id) ?? DataClayObject.materialize(classInfoByName(className), id, true, master);
      Object.assign(obj[STATE], { registered: true, local: true, loaded: true, replica: true, backendId: master, dataset });
      this.rt.identity.add(obj);
      batch.set(id, obj);
    }
    const resolve = (id: string, cls: string, hint: string | null) => batch.get(id) ?? this.rt.resolveRef(id, cls, hint);
    for (const [id, , , state] of records) {
      restoreState(batch.get(id)!, decode(state, resolve));
      this.held.set(id, { obj: batch.get(id)!, state });
    }
  }

  /** Drops a replica: the instance becomes a proxy of `owner`. */
  drop(id: string, owner: string): DataClayObject | undefined {
    const held = this.held.get(id);
    if (!held) return undefined;
    this.held.delete(id);
    held.obj[STATE].replica = false;
    return held.obj;
  }

  /** After a read-only call on a replica: a change is undone (the master's state is restored) and refused. */
  verifyUnchanged(obj: DataClayObject, method: string): void {
    const held = this.held.get(obj.id);
    if (!held) return;
    const now = encode(captureState(obj), undefined, obj[STATE].info.ctor.name);
    if (Buffer.compare(now, held.state) === 0) return;
    restoreState(obj, decode(held.state, this.rt.resolver));
    throw readOnlyViolation(obj, method);
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
    await Promise.all([...byReplica].map(async ([replica, records]) => {
      try {
        for (const chunk of chunkBySize(records, (r) => r[3].length, this.rt.batchBudget())) {
          const body: ReceiveRequest = [toWire(this.rt.session()), 'replica', chunk, this.rt.backendId];
          await this.rt.backendAdminRequest(replica, 'receive', encode(body));
        }
      } catch (err) {
        this.rt.onBackgroundError?.(err);
        await Promise.all(updates.filter((u) => u.obj[STATE].replicas?.includes(replica)).map((u) => this.rt.forgetReplica(u.obj, replica)));
      }
    }));
  }
}

export function readOnlyViolation(obj: DataClayObject, method: string): DataClayError {
  return new DataClayError(`read-only method ${obj[STATE].info.ctor.name}.${method} changed its object; the change was undone`, {
    objectId: obj.id, method,
  });
}

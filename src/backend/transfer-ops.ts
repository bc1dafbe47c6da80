// Backend operations that move objects: `move` (from this backend, forwarding the traversal to the owners of
// remote referents) and `receive` (taking ownership of shipped objects).
import { DataClayError, ProtocolError } from '../errors.js';
import { encodeOk } from '../messaging/envelope.js';
import {
  isTuple, type MoveRequest, type ReceiveRequest, type ReplicateRequest, type TransferMode, type TransferRecord, type WireSession,
} from '../messaging/protocol.js';
import { chunkBySize } from '../messaging/chunks.js';
import { STATE } from '../object/state.js';
import type { RetireRequest } from './version-ops.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { fromWire, sessionStorage } from '../runtime/session.js';
import { decode, encode } from '../serialization/codec.js';
import type { BackendRuntime } from './backend-runtime.js';
import { collectTransfer } from './transfer.js';

type Op = (data: Uint8Array) => Promise<Uint8Array>;

/** Ships records to `target` in as many `receive` requests as max_payload needs. */
async function sendRecords(rt: BackendRuntime, target: string, s: WireSession, mode: TransferMode, records: TransferRecord[]): Promise<void> {
  for (const chunk of chunkBySize(records, (r) => r[3].length, rt.batchBudget())) {
    const body: ReceiveRequest = mode === 'replica' ? [s, mode, chunk, rt.backendId] : [s, mode, chunk];
    await rt.backendAdminRequest(target, 'receive', encode(body));
  }
}

/** Replica backends of these objects, with the ids each holds. */
function replicasOf(objects: DataClayObject[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const o of objects) for (const r of o[STATE].replicas ?? []) out.set(r, [...(out.get(r) ?? []), o.id]);
  return out;
}

export function transferOps(rt: BackendRuntime): Record<string, Op> {
  /** Moves what this backend owns of the graph, then asks the owners of remote referents to do the same. */
  async function move([s, ids, target, recursive, remotes, visitedIds]: MoveRequest): Promise<string[]> {
    const firstHop = visitedIds.length === 0;
    const roots: DataClayObject[] = [];
    for (const id of ids) {
      const obj = rt.ownedHere(id);
      if (obj) roots.push(obj);
      else if (firstHop) roots.push(await rt.owned(id)); // the caller's hint was stale: WrongBackendError
      // forwarded ids no longer here were moved by another branch of the traversal (a cycle): nothing to do
    }
    const visited = new Set(visitedIds);
    for (const id of ids) visited.delete(id); // the forwarder saw them as remote referents: ours to visit now
    const transfer = collectTransfer(rt, roots, recursive, remotes, visited);
    const moved: string[] = [];
    if (target !== rt.backendId && transfer.objects.length > 0) {
      await sendRecords(rt, target, s, 'move', transfer.records);
      const replicas = replicasOf(transfer.objects); // a moved object starts without replicas: they are dropped
      await rt.release(transfer.objects, target);
      await Promise.all([...replicas].map(([backend, ids]) =>
        rt.backendAdminRequest(backend, 'retire', encode([s, ids, target] satisfies RetireRequest))));
      moved.push(...transfer.objects.map((o) => o.id));
    }
    for (const [owner, remoteIds] of transfer.remote) {
      const forward: MoveRequest = [s, remoteIds, target, recursive, remotes, [...visited]];
      moved.push(...(await rt.backendAdminRequest<string[]>(owner, 'move', encode(forward))));
    }
    return moved;
  }

  /** Replicates what this backend masters of the graph to `target`, then forwards to owners of remote referents. */
  async function replicate([s, ids, requested, recursive, remotes, visitedIds]: ReplicateRequest): Promise<{ target: string | null; ids: string[] }> {
    const firstHop = visitedIds.length === 0;
    const roots: DataClayObject[] = [];
    for (const id of ids) {
      const obj = rt.ownedHere(id);
      if (obj) roots.push(obj);
      else if (firstHop) roots.push(await rt.owned(id)); // only masters are replicated
    }
    const target = requested ?? (await rt.backendWithoutCopy(roots));
    if (target === null) return { target, ids: [] };
    if (target === rt.backendId) throw new DataClayError(`backend ${target} is the master: it cannot hold a replica too`, { backendId: target });
    const visited = new Set(visitedIds);
    for (const id of ids) visited.delete(id);
    const transfer = collectTransfer(rt, roots, recursive, remotes, visited);
    const fresh = transfer.objects.map((o, i) => [o, transfer.records[i]] as const).filter(([o]) => !o[STATE].replicas?.includes(target));
    if (fresh.length > 0) {
      await sendRecords(rt, target, s, 'replica', fresh.map(([, r]) => r));
      await Promise.all(fresh.map(([o]) => rt.addReplica(o, target)));
    }
    const replicated = transfer.objects.map((o) => o.id);
    for (const [owner, remoteIds] of transfer.remote) {
      if (owner === target) continue; // the target masters those: nothing to replicate there
      const forward: ReplicateRequest = [s, remoteIds, target, recursive, remotes, [...visited]];
      replicated.push(...(await rt.backendAdminRequest<{ ids: string[] }>(owner, 'replicate', encode(forward))).ids);
    }
    return { target, ids: replicated };
  }

  return {
    async replicate(data) {
      const req = decode<ReplicateRequest>(data);
      if (!isTuple(req, 6, '_a_bba')) throw new ProtocolError('replicate: expected [session, ids[], target|null, recursive, remotes, visited[]]');
      if (req[2] !== null) await rt.checkLiveBackend(req[2] as string);
      return sessionStorage.run(fromWire(req[0]), async () => encodeOk(await replicate(req)));
    },

    async move(data) {
      const req = decode<MoveRequest>(data);
      if (!isTuple(req, 6, '_asbba')) throw new ProtocolError('move: expected [session, ids[], target, recursive, remotes, visited[]]');
      await rt.checkLiveBackend(req[2]);
      return sessionStorage.run(fromWire(req[0]), async () => encodeOk(await move(req)));
    },

    async receive(data) {
      const req = decode<ReceiveRequest>(data);
      if (!isTuple(req, 3, '_sa')) throw new ProtocolError('receive: expected [session, mode, records[], master?]');
      if (req[1] === 'replica' && typeof req[3] === 'string') rt.replicas.receive(req[2], req[3]);
      else await rt.receive(req[2]);
      return encodeOk(undefined);
    },
  };
}

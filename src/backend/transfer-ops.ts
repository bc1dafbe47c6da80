// Backend operations that move objects: `move` (from this backend, forwarding the traversal to the owners of
// remote referents) and `receive` (taking ownership of shipped objects).
import { ProtocolError, ReplicaOnMasterError, TimeoutError } from '../errors.js';
import { encodeOk } from '../messaging/envelope.js';
import {
  isTuple,
  type MoveRequest,
  type ReceiveRequest,
  type ReplicateRequest,
  type TransferMode,
  type TransferRecord,
  type WireSession,
} from '../messaging/protocol.js';
import { chunkBySize, recordSize } from '../messaging/chunks.js';
import { STATE } from '../object/state.js';
import type { RetireRequest } from './version-ops.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { fromWire, sessionStorage } from '../runtime/session.js';
import { decode, encode } from '../serialization/codec.js';
import type { BackendRuntime } from './backend-runtime.js';
import { collectTransfer } from './transfer.js';

type Op = (data: Uint8Array) => Promise<Uint8Array>;

/** Ships records to `target` in as many `receive` requests as max_payload needs. */
async function sendRecords(
  rt: BackendRuntime,
  target: string,
  s: WireSession,
  mode: TransferMode,
  records: TransferRecord[],
): Promise<void> {
  for (const chunk of chunkBySize(records, recordSize, rt.batchBudget())) {
    const body: ReceiveRequest = mode === 'replica' ? [s, mode, chunk, rt.backendId] : [s, mode, chunk];
    await rt.backendRequest(target, 'receive', encode(body));
  }
}

/** Replica backends of these objects, with the ids each holds. */
function replicasOf(objects: DataClayObject[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const o of objects) for (const r of o[STATE].replicas ?? []) out.set(r, [...(out.get(r) ?? []), o.id]);
  return out;
}

export function transferOps(rt: BackendRuntime): Record<string, Op> {
  /**
   * The objects of `ids` this backend owns. Ids it does not own: on the first hop, the caller's hint was stale
   * (WrongBackendError); on a forwarded hop, they are reported by their real owner so the traversal goes on there.
   */
  async function rootsOf(
    ids: string[],
    forwarded: boolean,
  ): Promise<{ roots: DataClayObject[]; elsewhere: Map<string, string[]> }> {
    const roots: DataClayObject[] = [];
    const elsewhere = new Map<string, string[]>();
    for (const id of ids) {
      const obj = rt.ownedHere(id);
      if (obj) roots.push(obj);
      else if (!forwarded) roots.push(await rt.owned(id));
      else {
        const md = await rt.store.getObject(id);
        if (md && md.master !== rt.backendId && md.forward === undefined)
          elsewhere.set(md.master, [...(elsewhere.get(md.master) ?? []), id]);
      }
    }
    return { roots, elsewhere };
  }

  /** Moves what this backend owns of the graph, then asks the owners of remote referents to do the same. */
  async function move([s, ids, target, recursive, remotes, forwarded]: MoveRequest): Promise<number> {
    const { roots, elsewhere } = await rootsOf(ids, forwarded);
    const transfer = collectTransfer(rt, roots, recursive, remotes, new Set());
    let moved = 0;
    if (target !== rt.backendId && transfer.objects.length > 0) {
      const finish = await rt.beginMove(transfer.objects, undefined, fromWire(s).chain);
      try {
        // calls that were running when the move began have finished: take the state now
        const records = collectTransfer(rt, transfer.objects, false, false, new Set()).records;
        await shipMove(s, target, records);
        const replicas = replicasOf(transfer.objects); // a moved object starts without replicas: they are dropped
        await rt.release(transfer.objects, target);
        finish(target);
        for (const [backend, held] of replicas) {
          if (backend === target) continue; // the target's copy became the object itself
          rt.backendRequest(backend, 'retire', encode([s, held, target] satisfies RetireRequest)).catch((err) =>
            rt.onBackgroundError?.(err),
          );
        }
        moved += transfer.objects.length;
      } catch (err) {
        finish(undefined);
        throw err;
      }
    }
    for (const [owner, remoteIds] of [...transfer.remote, ...elsewhere]) {
      moved += await rt.backendRequest<number>(
        owner,
        'move',
        encode([s, remoteIds, target, recursive, remotes, true] satisfies MoveRequest),
      );
    }
    return moved;
  }

  /** Ships records to the target; if a later batch fails, the batches already there are taken back. */
  async function shipMove(s: WireSession, target: string, records: TransferRecord[]): Promise<void> {
    const shipped: string[] = [];
    try {
      for (const chunk of chunkBySize(records, recordSize, rt.batchBudget())) {
        shipped.push(...chunk.map(([id]) => id)); // before the answer: a timed-out receive may still have happened
        await rt.backendRequest(target, 'receive', encode([s, 'move', chunk] satisfies ReceiveRequest));
      }
    } catch (err) {
      if (shipped.length > 0) {
        // the target answers once any receive of them still running there has ended: only then are they ours again
        const until = Date.now() + 60_000;
        for (;;) {
          try {
            await rt.backendRequest(target, 'retire', encode([s, shipped, rt.backendId] satisfies RetireRequest));
            break;
          } catch (retireErr) {
            if (!(retireErr instanceof TimeoutError) || Date.now() > until) throw retireErr; // unknown outcome: not reclaimed
          }
        }
        await rt.reclaim(shipped);
      }
      throw err;
    }
  }

  /** Replicates what this backend masters of the graph to `target`, then forwards to owners of remote referents. */
  async function replicate([s, ids, requested, recursive, remotes, forwarded]: ReplicateRequest): Promise<{
    target: string | null;
    count: number;
  }> {
    const { roots, elsewhere } = await rootsOf(ids, forwarded);
    const target = requested ?? (await rt.replicas.backendWithoutCopy(roots));
    if (target === null) return { target, count: 0 };
    if (target === rt.backendId && !forwarded) {
      throw new ReplicaOnMasterError(target);
    }
    const transfer = collectTransfer(rt, roots, recursive, remotes, new Set());
    const fresh =
      target === rt.backendId
        ? [] // objects the target masters itself need no replica
        : transfer.objects
            .map((o, i) => [o, transfer.records[i]] as const)
            .filter(([o]) => !o[STATE].replicas?.includes(target));
    if (fresh.length > 0) {
      await sendRecords(
        rt,
        target,
        s,
        'replica',
        fresh.map(([, r]) => r),
      );
      await Promise.all(fresh.map(([o]) => rt.replicas.addReplica(o, target)));
    }
    let count = transfer.objects.length;
    for (const [owner, remoteIds] of [...transfer.remote, ...elsewhere]) {
      const forward: ReplicateRequest = [s, remoteIds, target, recursive, remotes, true];
      count += (await rt.backendRequest<{ count: number }>(owner, 'replicate', encode(forward))).count;
    }
    return { target, count };
  }

  return {
    async replicate(data) {
      const req = decode<ReplicateRequest>(data);
      if (!isTuple(req, 6, '_a_bbb'))
        throw new ProtocolError('replicate: expected [session, ids[], target|null, recursive, remotes, forwarded]');
      if (req[2] !== null) await rt.checkBackend(req[2] as string);
      return sessionStorage.run(fromWire(req[0]), async () => encodeOk(await replicate(req)));
    },

    async move(data) {
      const req = decode<MoveRequest>(data);
      if (!isTuple(req, 6, '_asbbb'))
        throw new ProtocolError('move: expected [session, ids[], target, recursive, remotes, forwarded]');
      await rt.checkBackend(req[2]);
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

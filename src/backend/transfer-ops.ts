// Backend operations that move objects: `move` (from this backend, forwarding the traversal to the owners of
// remote referents) and `receive` (taking ownership of shipped objects).
import { ProtocolError } from '../errors.js';
import { encodeOk } from '../messaging/envelope.js';
import { isTuple, type MoveRequest, type ReceiveRequest } from '../messaging/protocol.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { fromWire, sessionStorage } from '../runtime/session.js';
import { decode, encode } from '../serialization/codec.js';
import type { BackendRuntime } from './backend-runtime.js';
import { collectTransfer } from './transfer.js';

type Op = (data: Uint8Array) => Promise<Uint8Array>;

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
      await rt.backendAdminRequest(target, 'receive', encode([s, 'move', transfer.records] satisfies ReceiveRequest));
      await rt.release(transfer.objects, target);
      moved.push(...transfer.objects.map((o) => o.id));
    }
    for (const [owner, remoteIds] of transfer.remote) {
      const forward: MoveRequest = [s, remoteIds, target, recursive, remotes, [...visited]];
      moved.push(...(await rt.backendAdminRequest<string[]>(owner, 'move', encode(forward))));
    }
    return moved;
  }

  return {
    async move(data) {
      const req = decode<MoveRequest>(data);
      if (!isTuple(req, 6, '_asbba')) throw new ProtocolError('move: expected [session, ids[], target, recursive, remotes, visited[]]');
      await rt.checkLiveBackend(req[2]);
      return sessionStorage.run(fromWire(req[0]), async () => encodeOk(await move(req)));
    },

    async receive(data) {
      const req = decode<ReceiveRequest>(data);
      if (!isTuple(req, 3, '_sa')) throw new ProtocolError('receive: expected [session, mode, records[]]');
      await rt.receive(req[2]);
      return encodeOk(undefined);
    },
  };
}

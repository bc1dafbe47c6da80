// Versions: newVersion copies an object into a new one linked to its original; consolidateVersion gives the
// original the version's state and makes the version (and every version in between) forward to the original.
import { randomUUID } from 'node:crypto';
import { DoesNotExistError, ObjectIsNotVersionError, ProtocolError } from '../errors.js';
import { encodeOk } from '../messaging/envelope.js';
import { isTuple, type WireSession } from '../messaging/protocol.js';
import type { ObjectMetadata } from '../metadata/types.js';
import { DataClayObject } from '../object/dataclay-object.js';
import { captureState, restoreState } from '../object/object-state.js';
import { STATE } from '../object/state.js';
import { becomeRemote } from '../object/locality.js';
import { fromWire, sessionStorage } from '../runtime/session.js';
import { decode, encode, encodeState } from '../serialization/codec.js';
import type { BackendRuntime } from './backend-runtime.js';

type Op = (data: Uint8Array) => Promise<Uint8Array>;

export type VersionRequest = [s: WireSession, id: string];
export type ConsolidateRequest = [s: WireSession, id: string];
/** The original's owner takes the version's state. */
export type AdoptStateRequest = [s: WireSession, originalId: string, state: Uint8Array];
/** Owners of consolidated versions drop their copies: the ids now forward to `original`, owned by `owner`. */
export type RetireRequest = [s: WireSession, ids: string[], owner: string];

export function versionOps(rt: BackendRuntime): Record<string, Op> {
  const metadata = async (id: string): Promise<ObjectMetadata> => {
    const md = await rt.store.getObject(id);
    if (!md) throw new DoesNotExistError(id);
    return md;
  };

  return {
    /** A new object with a copy of the state, on this backend (the client moves it if asked elsewhere). */
    async version(data) {
      const req = decode<VersionRequest>(data);
      if (!isTuple(req, 2, '_s')) throw new ProtocolError('version: expected [session, id]');
      const obj = await rt.owned(req[1]);
      const md = await metadata(obj.id);
      const state = obj[STATE];
      const copy = DataClayObject.materialize(state.info, randomUUID(), true, rt.backendId, false);
      restoreState(copy, decode(encodeState(captureState(obj), undefined, state.info.ctor.name), rt.resolver));
      const lineage =
        md.original === undefined
          ? { original: obj.id, versions: [obj.id] }
          : { original: md.original, versions: [...(md.versions ?? [md.original]), obj.id] };
      await rt.register([copy], { ...fromWire(req[0]), dataset: state.dataset! }, undefined, lineage);
      return encodeOk([copy.id, state.info.name, rt.backendId]);
    },

    async consolidate(data) {
      const req = decode<ConsolidateRequest>(data);
      if (!isTuple(req, 2, '_s')) throw new ProtocolError('consolidate: expected [session, id]');
      const [s, id] = req;
      const version = await rt.owned(id);
      const md = await metadata(id);
      if (md.original === undefined) throw new ObjectIsNotVersionError(id);
      const original = await metadata(md.original);
      const state = encodeState(captureState(version), undefined, version[STATE].info.ctor.name);
      await rt.backendRequest(
        original.master,
        'adopt-state',
        encode([s, md.original, state] satisfies AdoptStateRequest),
      );
      // the version and the versions between it and the original now name the original
      const retired = [...(md.versions ?? []).filter((v) => v !== md.original), id];
      const owners = new Map<string, string[]>();
      await Promise.all(
        retired.map(async (v) => {
          const vmd = await rt.store.getObject(v);
          if (!vmd) return;
          for (const holder of [vmd.master, ...vmd.replicas]) owners.set(holder, [...(owners.get(holder) ?? []), v]);
          await rt.store.putObject({ ...vmd, forward: md.original, master: original.master, replicas: [] });
        }),
      );
      await Promise.all(
        [...owners].map(([owner, ids]) =>
          rt.backendRequest(owner, 'retire', encode([s, ids, original.master] satisfies RetireRequest)),
        ),
      );
      return encodeOk([md.original, original.master]);
    },

    async 'adopt-state'(data) {
      const req = decode<AdoptStateRequest>(data);
      if (!isTuple(req, 3, '_s')) throw new ProtocolError('adopt-state: expected [session, id, state]');
      const obj = await rt.owned(req[1]);
      return sessionStorage.run(fromWire(req[0]), async () => {
        restoreState(obj, decode(req[2], rt.resolver));
        await rt.writes.save([obj]);
        return encodeOk(undefined);
      });
    },

    async retire(data) {
      const req = decode<RetireRequest>(data);
      if (!isTuple(req, 3, '_as')) throw new ProtocolError('retire: expected [session, ids, owner]');
      const [, ids, owner] = req;
      await Promise.all(ids.map((id) => rt.receiving.get(id))); // a receive of them still running ends first
      for (const id of ids) {
        const held = rt.replicas.drop(id, owner); // replicas held here
        if (held && owner === rt.backendId) becomeRemote(held, owner); // a retired version is never served from here
      }
      const owned = ids.map((id) => rt.ownedHere(id)).filter((o): o is DataClayObject => o !== undefined);
      await rt.release(owned, owner);
      return encodeOk(undefined);
    },
  };
}

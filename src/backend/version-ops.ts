// Versions: newVersion copies an object into a new one linked to its original; consolidateVersion gives the
// original the version's state and makes the version (and every version in between) forward to the original.
import { DoesNotExistError, ObjectIsNotVersionError } from '../errors.js';
import type { ObjectMetadata } from '../metadata/types.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { blank } from '../object/lifecycle.js';
import { captureState, restoreState } from '../object/object-state.js';
import { STATE } from '../object/state.js';
import type { BackendOps } from '../protocol/backend-ops.js';
import type { Handlers } from '../protocol/handlers.js';
import { decode, encodeState } from '../serialization/codec.js';
import type { BackendRuntime } from './backend-runtime.js';

type Deps = Pick<
  BackendRuntime,
  'backendId' | 'store' | 'requests' | 'runtime' | 'ownership' | 'registrar' | 'replicas' | 'moves' | 'writes'
>;

type VersionOp = 'version' | 'consolidate' | 'adopt-state' | 'retire';

export function versionHandlers(rt: Deps): Pick<Handlers<BackendOps>, VersionOp> {
  const metadata = async (id: string): Promise<ObjectMetadata> => {
    const md = await rt.store.getObject(id);
    if (!md) throw new DoesNotExistError(id);
    return md;
  };

  return {
    /** A new object with a copy of the state, on this backend (the client moves it if asked elsewhere). */
    async version([, id], ctx) {
      const obj = await rt.ownership.owned(id);
      const md = await metadata(obj.id);
      const state = obj[STATE];
      const copy = blank(state.info);
      restoreState(copy, decode(encodeState(captureState(obj), undefined, state.info.ctor.name), rt.runtime.resolver));
      const lineage =
        md.original === undefined
          ? { original: obj.id, versions: [obj.id] }
          : { original: md.original, versions: [...(md.versions ?? [md.original]), obj.id] };
      await rt.registrar.register([copy], { ...ctx, dataset: md.dataset }, undefined, lineage);
      return [copy.id, state.info.name, rt.backendId];
    },

    async consolidate([s, id]) {
      const version = await rt.ownership.owned(id);
      const md = await metadata(id);
      if (md.original === undefined) throw new ObjectIsNotVersionError(id);
      const original = await metadata(md.original);
      const state = encodeState(captureState(version), undefined, version[STATE].info.ctor.name);
      await rt.requests.request(original.master, 'adopt-state', [s, md.original, state]);
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
        [...owners].map(([owner, ids]) => rt.requests.request(owner, 'retire', [s, ids, original.master])),
      );
      return [md.original, original.master];
    },

    async 'adopt-state'([, originalId, state]) {
      const obj = await rt.ownership.owned(originalId);
      restoreState(obj, decode(state, rt.runtime.resolver));
      await rt.writes.save([obj]);
    },

    async retire([, ids, owner]) {
      await Promise.all(ids.map((id) => rt.moves.receiving.get(id))); // a receive of them still running ends first
      for (const id of ids) rt.replicas.drop(id, owner); // replicas held here: a retired one is never served again
      const owned = ids.map((id) => rt.ownership.ownedHere(id)).filter((o): o is DataClayObject => o !== undefined);
      await rt.moves.release(owned, owner);
    },
  };
}

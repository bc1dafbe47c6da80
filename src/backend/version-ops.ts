// Versions: newVersion copies an object into a new one linked to its original; consolidateVersion gives the
// original the version's state and makes the version (and every version in between) forward to the original.
import { DoesNotExistError, ObjectIsNotVersionError } from '../errors.js';
import type { ObjectMetadata } from '../metadata/types.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import { blank } from '../object/lifecycle.js';
import { captureState, restoreState } from '../object/object-state.js';
import { STATE } from '../object/state.js';
import type { BackendOps, CopyOrder } from '../protocol/backend-ops.js';
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

  /**
   * Lets go of the retired ids held here: replicas are dropped, owned copies released to `owner`. With `epochs`,
   * a master retires its backups: only its copies at those epochs go (a late retire of a master that has lost the
   * object since must not drop the promoted master's object, nor the copy a newer master sent here).
   */
  const retire = async (
    ids: string[],
    owner: string,
    epochs?: number[],
    order?: CopyOrder,
    chain?: string,
  ): Promise<void> => {
    if (epochs) {
      ids.forEach((id, i) => rt.replicas.retire(id, owner, epochs[i] ?? 0, order));
      return;
    }
    await Promise.all(ids.map((id) => rt.moves.receiving.get(id))); // a receive of them still running ends first
    for (const id of ids) rt.replicas.drop(id, owner); // replicas held here: a retired one is never served again
    // ids leaving here (an earlier retire of them still waiting for its calls, a move of them) are settled first:
    // skipped, this retire answered at once, and the sender took them back while they were still served here
    const leavingEnds = () => ids.map((id) => rt.ownership.leavingEnd(id)).filter((end) => end !== undefined);
    for (let ends = leavingEnds(); ends.length > 0; ends = leavingEnds()) await Promise.all(ends);
    const owned = ids.map((id) => rt.ownership.ownedHere(id)).filter((o): o is DataClayObject => o !== undefined);
    if (owned.length === 0) return;
    // as a move: new requests wait and then go to the owner, and calls running on them end first (a version in
    // between a consolidated one and its original, a move taken back). Released under a running call, the object
    // turned into a proxy halfway through the call's method, which failed there (NotLocalError).
    const finish = await rt.moves.beginMove(owned, undefined, chain);
    try {
      await rt.moves.release(owned, owner);
      finish(owner);
    } catch (err) {
      finish(undefined);
      throw err;
    }
  };

  /** The original takes the version's state, on disk before the answer. */
  const adoptState = async (originalId: string, state: Uint8Array): Promise<void> => {
    const obj = await rt.ownership.owned(originalId);
    restoreState(obj, decode(state, rt.runtime.resolver));
    await rt.writes.save([obj]);
  };

  return {
    /** A new object with a copy of the state, on this backend (the client moves it if asked elsewhere). */
    async version([, id], ctx) {
      const obj = await rt.ownership.owned(id);
      const state = obj[STATE];
      const copy = blank(state.info);
      restoreState(copy, decode(encodeState(captureState(obj), undefined, state.info.ctor.name), rt.runtime.resolver));
      // the lineage is read while the copy's record is written (an owned object knows its dataset): one round less
      const lineage = metadata(obj.id).then((md) =>
        md.original === undefined
          ? { original: obj.id, versions: [obj.id] }
          : { original: md.original, versions: [...(md.versions ?? [md.original]), obj.id] },
      );
      await rt.registrar.register([copy], { ...ctx, dataset: state.dataset ?? ctx.dataset }, undefined, lineage);
      return [copy.id, state.info.name, rt.backendId];
    },

    /**
     * Requests for the version wait while it is consolidated (as in a move), and calls running on it finish first:
     * the state the original takes includes every write acknowledged on the version. Then they are redirected to
     * the original, which the version's id now forwards to.
     */
    async consolidate([s, id], ctx) {
      const version = await rt.ownership.owned(id);
      // the id forwards to its original already (a retry after a timeout, or a second call): consolidated, the
      // answer is the same. Holding the original as if it were the version would wait on itself
      if (version.id !== id) return [version.id, rt.backendId];
      // its metadata is read while the version's requests are held and its leaving note goes to disk: both wait on
      // the network or the disk, one after the other they would add up (an object that is no version is held for
      // that read only: nothing of it changes)
      const reading = metadata(id);
      reading.catch(() => undefined); // awaited below, after beginMove: never an unhandled rejection meanwhile
      const finish = await rt.moves.beginMove([version], undefined, ctx.chain);
      const note = rt.moves.noteLeaving([version]); // on disk while the original adopts its state (leaving.ts)
      let released = false;
      try {
        const md = await reading;
        if (md.original === undefined) throw new ObjectIsNotVersionError(id);
        // an original mastered here (a version made on its master, as newVersion does unless told otherwise) adopts
        // the state in this process: no metadata read for its master, no request to ourselves
        const here = rt.ownership.ownedHere(md.original) !== undefined;
        const originalMaster = here ? rt.backendId : (await metadata(md.original)).master;
        const state = encodeState(captureState(version), undefined, version[STATE].info.ctor.name);
        if (here) await adoptState(md.original, state);
        else await rt.requests.request(originalMaster, 'adopt-state', [s, md.original, state]);
        // the note on disk before the metadata forwards the version: a restart without it would serve the version
        await note.written;
        // the version and the versions between it and the original now name the original
        const retired = [...(md.versions ?? []).filter((v) => v !== md.original), id];
        const holders = new Map<string, string[]>();
        await Promise.all(
          retired.map(async (v) => {
            const vmd = v === id ? md : await rt.store.getObject(v); // the version's own record is read already
            if (!vmd) return;
            for (const holder of [vmd.master, ...vmd.replicas])
              if (holder !== rt.backendId || v !== id) holders.set(holder, [...(holders.get(holder) ?? []), v]);
            await rt.store.putObject({ ...vmd, forward: md.original, master: originalMaster, replicas: [] });
          }),
        );
        released = true;
        await rt.moves.release([version], originalMaster, note); // gone before anyone waiting is let through
        // versions held here are retired here, without a request to ourselves
        await Promise.all(
          [...holders].map(([holder, ids]) =>
            holder === rt.backendId
              ? retire(ids, originalMaster, undefined, undefined, ctx.chain)
              : rt.requests.request(holder, 'retire', [s, ids, originalMaster]),
          ),
        );
        finish(originalMaster);
        return [md.original, originalMaster];
      } catch (err) {
        finish(undefined);
        throw err;
      } finally {
        if (!released) rt.moves.dropNote(note);
      }
    },

    'adopt-state': ([, originalId, state]) => adoptState(originalId, state),

    retire: ([, ids, owner, epochs, order], ctx) => retire(ids, owner, epochs, order, ctx.chain),
  };
}

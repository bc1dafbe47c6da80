// Records leaving for another backend (a move, a consolidation). The source must not serve a copy after the metadata
// names another owner, even after a crash: before, it waited for the removal of its records to reach the disk, a
// second sync after the target's. Now it writes a note naming them, and lets the metadata change only once the note
// is on disk: a move ships while the note syncs and tells the target when it is written, and the target names itself
// only then (noted-moves.ts); a consolidation forwards the version then. A note still on its way when the target
// named itself left a source killed in between with the records and no note, serving objects it had given away.
// It acknowledges once the target has answered, and removes the records with its next write's transaction (a
// sync of their own ran beside the next move's syncs on the same disk). A restart checks each noted id against the
// metadata (settleLeaving) and drops the records that are not its own any more.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { MetadataStore } from '../metadata/store.js';
import type { ObjectStore } from './object-store.js';

type NoteStore = Pick<ObjectStore, 'putLeaving' | 'removeLeaving' | 'retireLeft' | 'putGivenBack'>;

export interface LeavingNote {
  /** Resolves once the note is on disk. */
  written: Promise<unknown>;
  key: string;
}

export class Leaving {
  constructor(
    private readonly objects: NoteStore,
    private readonly onBackgroundError: (err: unknown) => void,
  ) {}

  /** Starts writing the note for `ids` (before they are shipped). */
  note(ids: readonly string[]): LeavingNote {
    const key = randomUUID();
    const written = this.objects.putLeaving(key, ids);
    written.catch(() => undefined); // awaited by removeNoted or dropped: never an unhandled rejection
    return { written, key };
  }

  /**
   * The target has them: the records go (in a later transaction, the note after them). Resolves when the note is
   * on disk, which is what makes the handover durable here.
   */
  async removeNoted(note: LeavingNote, ids: readonly string[]): Promise<void> {
    this.objects.retireLeft(note.key, ids).catch(this.onBackgroundError); // gone for readers from now on
    await note.written;
  }

  /**
   * The target of a failed move gave the noted records back: until they are taken back in the metadata, it may name
   * the target, which holds nothing. The mark on disk, a restart takes them back rather than drop the only copy.
   */
  async givenBack(note: LeavingNote, ids: readonly string[]): Promise<void> {
    await note.written;
    await this.objects.putGivenBack(note.key, ids);
  }

  /** The move did not happen (or only in part, settled otherwise): the note is not needed. */
  drop(note: LeavingNote): void {
    void note.written.then(() => this.objects.removeLeaving(note.key)).catch(() => undefined);
  }
}

export interface SettleDeps {
  backendId: string;
  objects: Pick<ObjectStore, 'leaving' | 'givenBack' | 'removeLeaving' | 'remove' | 'has'>;
  store: Pick<MetadataStore, 'getObject'>;
  /** Names this backend in the metadata again for objects a failed move's target gave back (moves.ts reclaim). */
  reclaim: (ids: string[]) => Promise<void>;
  log: Pick<Logger, 'info'>;
}

/**
 * At start: a noted record whose object the metadata names another backend for (or forwards, or no longer has)
 * is not this backend's any more, and goes; one the metadata still names this backend for stays (its move failed,
 * or it came back since). A record the failed move's target gave back is this backend's only copy, whatever the
 * metadata names: the take-back a crash cut short is done now.
 */
export async function settleLeaving({ backendId, objects, store, reclaim, log }: SettleDeps): Promise<number> {
  const givenBack = new Map([...objects.givenBack()].map(([key, ids]) => [key, new Set(ids)]));
  let dropped = 0;
  let reclaimed = 0;
  for (const [key, ids] of [...objects.leaving()]) {
    const back: string[] = [];
    await Promise.all(
      ids.map(async (id) => {
        if (!objects.has(id)) return;
        const md = await store.getObject(id);
        if (md && md.master === backendId && md.forward === undefined) return;
        if (md && md.forward === undefined && givenBack.get(key)?.has(id)) {
          back.push(id);
          return;
        }
        await objects.remove(id);
        dropped++;
      }),
    );
    if (back.length > 0) await reclaim(back);
    reclaimed += back.length;
    await objects.removeLeaving(key);
  }
  if (dropped > 0) log.info({ dropped }, 'removed records a crash left behind after they had moved away');
  if (reclaimed > 0) log.info({ reclaimed }, 'took back the objects of a failed move a crash had cut short');
  return dropped;
}

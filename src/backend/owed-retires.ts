// Retires a master owes holders it could not tell (docs/failover.md): a holder left out of an object's replicas
// while it was gone, or did not answer, may come back with the copy (a restarted one keeps, at its start, every copy
// the metadata still named then), and no one else would tell it the copy is no longer wanted (its scrub would, a
// pass later). Owed once the metadata no longer names the holder, sent at a tick once it is live, never while a copy
// of the object is being placed on it or a replica change of the object runs: either may name it again.
import type { Logger } from 'pino';

/** Retires owed to one holder kept at most (beyond, the holder's scrub finds the copies, a pass later). */
const MAX_OWED_RETIRES = 100_000;
/** Copies retired per request. */
const RETIRE_CHUNK = 1_000;
/** How long retires owed to a holder out of the live set, or refused by it every time, are kept. */
const OWED_KEPT_MS = 10 * 60_000;
/** After a holder refused its retires, the wait before the next try: doubled at each refusal, up to the most. */
const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 60_000;

export interface OwedRetiresDeps {
  /** Sends one retire (it takes the master process's order when it is sent). */
  retire: (holder: string, ids: string[]) => Promise<void>;
  /** Whether the master's state or record of the object names `holder` among its replicas. */
  names: (id: string, holder: string) => boolean;
  /** Whether a replica change of the object runs. */
  changing: (id: string) => boolean;
  log: Pick<Logger, 'info'>;
  onBackgroundError: (err: unknown) => void;
  /** The clock (ms, monotonic); performance.now by default. */
  now?: () => number;
}

export class OwedRetires {
  /** By holder, the copies it is owed a retire for. */
  private readonly owed = new Map<string, Set<string>>();
  private readonly sending = new Set<string>();
  /** Since when (performance.now()) each holder owed retires has been out of the live set. */
  private readonly absent = new Map<string, number>();
  /** By holder, the copies being placed on it (sent, their replica change to come), with how many placements. */
  private readonly placements = new Map<string, Map<string, number>>();
  /**
   * Holders whose last retire failed: since when they have failed, how many times, and when to try again. A live
   * holder that refuses them (an older build, a fault of its own) is not sent them again at every tick, each failure
   * logged: the tries thin out, and after OWED_KEPT_MS its copies are left to its scrub, as a gone holder's are.
   */
  private readonly refusing = new Map<string, { since: number; count: number; nextAt: number }>();
  private readonly now: () => number;

  constructor(private readonly rt: OwedRetiresDeps) {
    this.now = rt.now ?? (() => performance.now());
  }

  /** These copies on `holder` are no longer wanted, and it is told at a tick. */
  later(holder: string, ids: Iterable<string>): void {
    const owed = this.owed.get(holder) ?? new Set<string>();
    this.owed.set(holder, owed);
    for (const id of ids) if (owed.size < MAX_OWED_RETIRES) owed.add(id);
  }

  /** These copies are wanted on `holder` (sent to it again): what it was owed for them goes. */
  forgive(holder: string, ids: readonly string[]): void {
    const owed = this.owed.get(holder);
    if (owed) for (const id of ids) owed.delete(id);
  }

  /**
   * These copies are being placed on `holder` until the returned function is called (after the replica change that
   * names it, or its failure): what it was owed for them goes, and a debt a change beside it adds meanwhile waits.
   */
  placing(holder: string, ids: readonly string[]): () => void {
    this.forgive(holder, ids);
    const counts = this.placements.get(holder) ?? new Map<string, number>();
    this.placements.set(holder, counts);
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const id of ids) {
        const n = (counts.get(id) ?? 1) - 1;
        if (n > 0) counts.set(id, n);
        else counts.delete(id);
      }
      if (counts.size === 0 && this.placements.get(holder) === counts) this.placements.delete(holder);
    };
  }

  /** At a tick, with the live set: the retires owed to live holders are sent; a holder gone too long is let go. */
  tick(live: ReadonlySet<string>): void {
    const now = this.now();
    for (const [holder, owed] of this.owed) {
      if (live.has(holder)) this.absent.delete(holder);
      else if (!this.absent.has(holder)) this.absent.set(holder, now);
      const refused = this.refusing.get(holder);
      // one gone (or refusing) this long is not coming back soon: its copies, if it does, are the scrub's to find
      const since = Math.min(this.absent.get(holder) ?? now, refused?.since ?? now);
      if (owed.size === 0 || now - since > OWED_KEPT_MS) {
        this.owed.delete(holder);
        this.absent.delete(holder);
        this.refusing.delete(holder);
      } else if (live.has(holder) && !this.sending.has(holder) && now >= (refused?.nextAt ?? now))
        void this.send(holder, owed);
    }
  }

  /** How many retires are owed to `holder` now. */
  owedTo(holder: string): number {
    return this.owed.get(holder)?.size ?? 0;
  }

  /** Each chunk is chosen just before its retire takes its order: a copy sent after that is newer, and stays. */
  private async send(holder: string, owed: Set<string>): Promise<void> {
    this.sending.add(holder);
    try {
      // while a replica change of the object runs, or a copy of it is being placed there, it waits (that change may
      // name the holder); after, one the state or the record names is wanted there again (the debt goes)
      const waits = (id: string) => {
        if (this.rt.changing(id) || this.placements.get(holder)?.has(id)) return true;
        if (!this.rt.names(id, holder)) return false;
        owed.delete(id);
        return true;
      };
      const due = [...owed].filter((id) => !waits(id));
      for (let i = 0; i < due.length; i += RETIRE_CHUNK) {
        const ids = due.slice(i, i + RETIRE_CHUNK).filter((id) => owed.has(id) && !waits(id));
        if (ids.length === 0) continue;
        await this.rt.retire(holder, ids);
        this.refusing.delete(holder);
        for (const id of ids) owed.delete(id);
        this.rt.log.info(
          { holder, count: ids.length, ids: ids.slice(0, 5) },
          'retired the copies a holder no longer backs up (it could not be told when they were placed elsewhere)',
        );
      }
    } catch (err) {
      this.rt.onBackgroundError(err); // kept: a later tick tries again
      const now = this.now();
      const last = this.refusing.get(holder);
      const count = (last?.count ?? 0) + 1;
      const waitMs = Math.min(FIRST_RETRY_MS * 2 ** (count - 1), LAST_RETRY_MS);
      this.refusing.set(holder, { since: last?.since ?? now, count, nextAt: now + waitMs });
    } finally {
      this.sending.delete(holder);
    }
  }
}

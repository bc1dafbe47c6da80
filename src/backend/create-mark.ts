// Creates whose metadata is written beside their records (registration.ts), and the mark that bounds what a restart
// must check of them. Such a create can leave, if the process dies before its records' sync, metadata naming this
// backend for an object it has no record of; the restart finds those among the objects bucket's entries after the
// mark (recover-creates.ts) and removes them: they were never acknowledged.
//
// The mark is a stream sequence S such that every create of this backend at or below S has its records on disk.
// It is taken as the highest sequence a create of ours was acknowledged at (L, at time t0), and stored once every
// create begun before t0 has settled: a create at or below L was processed by the server before L was, so it was
// sent, hence begun, before t0. Creates begun later are counted apart and make the next mark.
import type { ObjectStore } from './object-store.js';

/** How often at most a new mark is taken while creates run. */
const MARK_EVERY_MS = 250;

export class CreateMark {
  /** Ids whose metadata may be visible before their records are on disk: requests for them wait (gate). */
  private readonly pending = new Map<string, Promise<void>>();
  private generation = 0;
  /** Creates begun before the mark being taken (generation <= `markGeneration`), and those begun since. */
  private older = 0;
  private newer = 0;
  private markGeneration = -1;
  private markSeq: number | undefined;
  private highest = 0;
  private lastMarkAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly objects: Pick<ObjectStore, 'putCreateMark'>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /**
   * A create begins. Call the function returned once it ended: `settled` when its records are on disk and its
   * metadata written, or both undone; false when an undo could not finish (the mark then stays where it is, and
   * the next start looks at this create too).
   */
  begin(ids: readonly string[]): (settled: boolean) => void {
    const generation = this.generation;
    this.newer++;
    let release!: () => void;
    const waiting = new Promise<void>((resolve) => (release = resolve));
    for (const id of ids) this.pending.set(id, waiting);
    return (settled) => {
      for (const id of ids) if (this.pending.get(id) === waiting) this.pending.delete(id);
      release();
      if (settled) this.end(generation);
    };
  }

  /** The metadata of a create was written at `seq` (0: not known, a retried create). */
  acknowledged(seq: number): void {
    if (seq > this.highest) this.highest = seq;
  }

  /** What a request for `id` waits for first: its create's settling, if it is still in flight. */
  settling(id: string): Promise<void> | undefined {
    return this.pending.get(id);
  }

  /** Whether no create is in flight (a clean stop may then say so in the store). */
  get idle(): boolean {
    return this.older === 0 && this.newer === 0;
  }

  private end(generation: number): void {
    if (generation <= this.markGeneration) this.older--;
    else this.newer--;
    if (this.markSeq !== undefined && this.older === 0) {
      const seq = this.markSeq;
      this.markSeq = undefined;
      this.objects.putCreateMark(seq).catch(this.onError); // not awaited: a lost mark only widens the next scan
    }
    const now = performance.now();
    if (this.markSeq === undefined && this.highest > 0 && now - this.lastMarkAt >= MARK_EVERY_MS) {
      // take a mark: what began until now is older, and must settle before it is stored
      this.lastMarkAt = now;
      this.markSeq = this.highest;
      this.markGeneration = this.generation++;
      this.older += this.newer;
      this.newer = 0;
      if (this.older === 0) {
        this.markSeq = undefined;
        this.objects.putCreateMark(this.highest).catch(this.onError);
      }
    }
  }
}

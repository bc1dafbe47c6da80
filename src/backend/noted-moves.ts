// A move's target names itself in the metadata only once the source's leaving note is on disk (leaving.ts): a source
// killed before its note's sync restarts with the records and no note, and would serve objects another backend owns.
// The source ships while its note syncs and says when the note is written (the `noted` request, sent apart from the
// ship); the target writes the records and reads the metadata meanwhile, and waits for that word only before its
// metadata write. Waiting before the ship instead put the note's sync and its wake-ups in series with the move.

/** How much longer than a wait a word said before its receive asked is kept (the receive may be slow to get there). */
const KEPT_FOR = 4;

export class NotedMoves {
  /** Receives waiting for their source's word. */
  private readonly waiting = new Map<string, { hear: (ok: boolean) => void; timer: NodeJS.Timeout }>();
  /** Words said before their receive asked. */
  private readonly said = new Map<string, { ok: boolean; timer: NodeJS.Timeout }>();

  /** `boundMs`: how long a target waits for the word, from when it asks. */
  constructor(private readonly boundMs: number) {}

  /**
   * The source's word on its note `key`: true once it is on disk, false if it could not be written. The key is a
   * random UUID that only the move's source and target see: nobody else can answer for a move.
   */
  tell(key: string, ok: boolean): void {
    const waiter = this.waiting.get(key);
    if (waiter) {
      this.waiting.delete(key);
      clearTimeout(waiter.timer);
      waiter.hear(ok);
      return;
    }
    if (this.said.has(key)) return;
    const timer = setTimeout(() => this.said.delete(key), KEPT_FOR * this.boundMs); // its receive never came
    timer.unref();
    this.said.set(key, { ok, timer });
  }

  /**
   * Resolves true once the source has said its note `key` is on disk; false if it said the note failed, or said
   * nothing within the bound (it crashed, or its disk stalls). Each key is waited for once: one receive asks.
   */
  wait(key: string): Promise<boolean> {
    const word = this.said.get(key);
    if (word) {
      this.said.delete(key);
      clearTimeout(word.timer);
      return Promise.resolve(word.ok);
    }
    return new Promise((hear) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        hear(false);
      }, this.boundMs);
      timer.unref();
      this.waiting.set(key, { hear, timer });
    });
  }
}

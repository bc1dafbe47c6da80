// A move's target names itself in the metadata only once the source's leaving note is on disk (leaving.ts): a source
// killed before its note's sync restarts with the records and no note, and would serve objects another backend owns.
// The source ships while its note syncs and says when the note is written (the `noted` request, sent apart from the
// ship); the target writes the records and reads the metadata meanwhile, and waits for that word only before its
// metadata write. Waiting before the ship instead put the note's sync and its wake-ups in series with the move.

interface Word {
  said: Promise<boolean>;
  say: (ok: boolean) => void;
  timer: NodeJS.Timeout;
}

export class NotedMoves {
  private readonly words = new Map<string, Word>();

  /** `boundMs`: how long a target waits for the word (and keeps a word no receive has asked for yet). */
  constructor(private readonly boundMs: number) {}

  /** The source's word on its note `key`: true once it is on disk, false if it could not be written. */
  tell(key: string, ok: boolean): void {
    this.word(key).say(ok);
  }

  /**
   * Resolves true once the source has said its note `key` is on disk; false if it said the note failed, or said
   * nothing within the bound (it crashed, or its disk stalls). Each key is waited for once: one receive asks.
   */
  async wait(key: string): Promise<boolean> {
    const word = this.word(key);
    try {
      return await word.said;
    } finally {
      clearTimeout(word.timer);
      this.words.delete(key);
    }
  }

  /** The word for `key`, made on first use by either side (the source's word can come before its ship is handled). */
  private word(key: string): Word {
    let word = this.words.get(key);
    if (!word) {
      let say!: (ok: boolean) => void;
      const said = new Promise<boolean>((resolve) => {
        say = resolve;
      });
      const timer = setTimeout(() => {
        say(false);
        this.words.delete(key); // a word no receive asked for (its ship failed on the way) is not kept
      }, this.boundMs);
      timer.unref();
      word = { said, say, timer };
      this.words.set(key, word);
    }
    return word;
  }
}

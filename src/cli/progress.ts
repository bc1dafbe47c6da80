// Progress of a long operation: one line rewritten in place on a terminal, plain lines (at most one a second)
// otherwise, so logs stay readable.
export class Progress {
  private last = 0;
  private shown = false;

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  show(done: number, total?: number): void {
    const text = `${this.label}: ${done}${total === undefined ? '' : ` / ${total}`}`;
    if (this.out.isTTY) {
      this.out.write(`\r${text}\x1b[K`);
      this.shown = true;
      return;
    }
    const now = Date.now();
    if (now - this.last < 1000) return;
    this.last = now;
    this.out.write(`${text}\n`);
  }

  end(): void {
    if (this.shown) this.out.write('\n');
    this.shown = false;
  }
}

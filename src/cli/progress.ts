// Progress of a command that takes a while: a bar redrawn in place on a terminal, plain lines otherwise (a log, a
// pipe, CI), so a script reading the output sees each step once.

export interface Progress {
  /** One step is done; `what` names it (`backend-2 stopped`). */
  step(what: string): void;
  /** Clears the bar; its last state stays as a line. */
  end(): void;
}

export function progress(label: string, total: number, out: NodeJS.WriteStream = process.stdout): Progress {
  let done = 0;
  if (!out.isTTY) {
    return {
      step: (what) => out.write(`${what}\n`),
      end: () => undefined,
    };
  }
  const draw = (what: string) => {
    const width = 24;
    const filled = total > 0 ? Math.round((done / total) * width) : width;
    out.write(`\r\x1b[K${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${what}`);
  };
  draw('');
  return {
    step: (what) => {
      done++;
      draw(what);
    },
    end: () => out.write('\n'),
  };
}

/** A count that grows as work goes on (objects left, objects moved), of a total known or not. */
export interface Counter {
  show(done: number, total?: number): void;
  end(): void;
}

/** The same as `progress` for counts: redrawn in place on a terminal, at most a line a second otherwise. */
export function counter(label: string, out: NodeJS.WriteStream = process.stderr): Counter {
  let last = 0;
  let shown = false;
  return {
    show(done, total) {
      const text = `${label}: ${done}${total === undefined ? '' : ` / ${total}`}`;
      if (out.isTTY) {
        out.write(`\r\x1b[K${text}`);
        shown = true;
        return;
      }
      const now = Date.now();
      if (now - last < 1000) return;
      last = now;
      out.write(`${text}\n`);
    },
    end() {
      if (shown) out.write('\n');
      shown = false;
    },
  };
}

// One 'abort' listener per AbortSignal, however many requests wait on it: a listener per request makes Node warn
// (MaxListenersExceededWarning at 11) and costs an add/remove per call. The listener goes once no request waits.

interface Watched {
  ids: Set<number>;
  listener: () => void;
}

export class AbortWatch {
  private readonly signals = new Map<AbortSignal, Watched>();

  /** `onAbort(ids)` is called once when a watched signal fires, with the ids still waiting on it. */
  constructor(private readonly onAbort: (signal: AbortSignal, ids: number[]) => void) {}

  add(signal: AbortSignal, id: number): void {
    let watched = this.signals.get(signal);
    if (!watched) {
      const listener = () => {
        this.signals.delete(signal);
        this.onAbort(signal, [...(watched as Watched).ids]);
      };
      watched = { ids: new Set(), listener };
      this.signals.set(signal, watched);
      signal.addEventListener('abort', listener, { once: true });
    }
    watched.ids.add(id);
  }

  remove(signal: AbortSignal, id: number): void {
    const watched = this.signals.get(signal);
    if (!watched?.ids.delete(id) || watched.ids.size > 0) return;
    this.signals.delete(signal);
    signal.removeEventListener('abort', watched.listener);
  }
}

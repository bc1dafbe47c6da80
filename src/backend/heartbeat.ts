// A backend's heartbeat: its record re-put every HEARTBEAT_MS, one put at a time (a put rides out a stream leader's
// election by itself: metadata/kv-retry.ts). One that fails anyway is tried again after a short pause rather than a
// heartbeat later: the live set of every process judges this backend by how recent its record is (live-set.ts).
import type { Logger } from 'pino';
import { HEARTBEAT_MS } from '../metadata/store.js';

/** After a failed put: short, but not a busy loop on a failure that is immediate. */
const RETRY_MS = 250;

export class Heartbeat {
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    private readonly put: () => Promise<void>,
    private readonly log: Pick<Logger, 'warn' | 'info'>,
  ) {
    this.schedule(HEARTBEAT_MS);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (!this.stopped) this.timer = setTimeout(() => void this.beat(), ms).unref();
  }

  private async beat(): Promise<void> {
    try {
      await this.put();
      if (this.failing) this.log.info('heartbeat back');
      this.failing = false;
      this.schedule(HEARTBEAT_MS);
    } catch (err) {
      if (!this.failing) this.log.warn({ err }, 'heartbeat failed: trying again');
      this.failing = true;
      this.schedule(RETRY_MS);
    }
  }
}

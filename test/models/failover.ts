// Models for failover: a ledger whose writes say where they ran and at which position, so a test can tell that no
// acknowledged write was lost and that no two masters acknowledged writes at the same position.
import { DataClayObject, activemethod, persistent } from '../../src/index.js';

@persistent
export class FailoverLedger extends DataClayObject {
  entries: string[] = [];
  note = '';

  /** Appends; answers the backend that ran it and the entry's position (1-based). */
  @activemethod
  async record(token: string): Promise<[string, number]> {
    this.entries.push(token);
    return [process.argv[process.argv.indexOf('--id') + 1], this.entries.length];
  }

  /**
   * Appends, then waits until `other` was appended too (by another call) before it returns: its commit finds its
   * change already carried by the other call's write.
   */
  @activemethod
  async recordAfter(token: string, other: string): Promise<[string, number]> {
    this.entries.push(token);
    const position = this.entries.length;
    const until = Date.now() + 30_000;
    while (!this.entries.includes(other) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    return [process.argv[process.argv.indexOf('--id') + 1], position];
  }
}

// What the console's page asks for, read through the admin's client: the backends with their load, a page of
// objects, one object with its fields, references and aliases.
import type { Client } from '../client/client.js';
import { WrongBackendError } from '../errors.js';
import type { BackendStats, ObjectMetadata } from '../metadata/types.js';
import { MetricsSampler, type Rates } from './metrics.js';
import { distinctRefs, type RefView, type ValueView, viewOf } from './values.js';

export interface BackendRow {
  id: string;
  host: string;
  pid: number;
  live: boolean;
  /** Milliseconds since its last heartbeat. */
  heartbeatAgeMs: number;
  classes: string[];
  stats?: BackendStats;
  rates?: Rates;
  /** Why its stats could not be read. */
  error?: string;
}

export interface ObjectPage {
  objects: ObjectMetadata[];
  offset: number;
  /** More objects match after this page. */
  more: boolean;
}

export interface ObjectDetail {
  metadata: ObjectMetadata;
  fields: Record<string, ValueView>;
  references: RefView[];
  aliases: string[];
}

export interface ObjectsFilter {
  className?: string;
  dataset?: string;
  backendId?: string;
  offset: number;
  limit: number;
}

export class ConsoleViews {
  private readonly sampler = new MetricsSampler();
  /** Backends seen live once: shown as gone when they stop beating, until the console restarts. */
  private readonly seen = new Map<string, BackendRow>();

  constructor(private readonly client: Client) {}

  async backends(): Promise<BackendRow[]> {
    const live = await this.client.getBackends();
    const now = Date.now();
    const rows = await Promise.all(
      [...live.values()].map(async (info): Promise<BackendRow> => {
        const row: BackendRow = {
          id: info.id,
          host: info.host,
          pid: info.pid,
          live: true,
          heartbeatAgeMs: now - info.heartbeatAt,
          classes: info.classes,
        };
        const [stats, rates] = await Promise.allSettled([
          this.client.backend(info.id).stats(),
          this.sampler.rates(info.id, info.metricsUrl),
        ]);
        if (stats.status === 'fulfilled') row.stats = stats.value;
        else row.error = String((stats.reason as Error)?.message ?? stats.reason);
        if (rates.status === 'fulfilled' && rates.value) row.rates = rates.value;
        return row;
      }),
    );
    for (const row of rows) this.seen.set(row.id, row);
    for (const [id, row] of this.seen) if (!live.has(id)) this.seen.set(id, { ...row, live: false, rates: undefined });
    return [...this.seen.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * A page of object records. The metadata operation `objects` takes a limit, not an offset: the page is cut from
   * the first offset + limit + 1 records (fine for a console; a cursor in `md.objects` would scale further).
   */
  async objects(filter: ObjectsFilter): Promise<ObjectPage> {
    const { offset, limit, ...query } = filter;
    const found = await this.client.listObjects({ ...query, limit: offset + limit + 1 });
    return { objects: found.slice(offset, offset + limit), offset, more: found.length > offset + limit };
  }

  /** The object, asked of `backendId` (its owner as last seen); a moved object is asked of its new owner. */
  async object(id: string, backendId: string): Promise<ObjectDetail> {
    for (let hops = 0; ; hops++) {
      try {
        const view = await this.client.backend(backendId).inspect(id);
        const refs: RefView[] = [];
        const fields = Object.fromEntries(Object.entries(view.fields).map(([k, v]) => [k, viewOf(v, refs)]));
        return { metadata: view.metadata, fields, references: distinctRefs(refs), aliases: view.aliases };
      } catch (err) {
        if (!(err instanceof WrongBackendError) || hops >= 3) throw err;
        backendId = err.data.owner;
      }
    }
  }
}

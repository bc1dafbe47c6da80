// `dataclay ctl`: look at and operate a running cluster.
import { Client } from '../client/client.js';
import type { Level } from '../metadata/grants.js';
import { resolveClassName } from './class-names.js';
import { type NatsFlags, natsOptionsFrom } from './nats-flags.js';
import { progress } from './progress.js';
import { bytes, duration, table } from './table.js';

export interface CtlOptions extends NatsFlags {
  namespace: string;
  /** Milliseconds to wait for each answer. */
  timeout?: number;
}

/** Listings print a table, or with `--json` one JSON array of the records as the API returns them. */
export interface ListOptions extends CtlOptions {
  json?: boolean;
}

export async function withClient<T>(
  options: CtlOptions,
  fn: (client: Client) => Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  const client = await new Client({
    ...natsOptionsFrom(options),
    namespace: options.namespace,
    timeoutMs: options.timeout ?? timeoutMs,
  }).start();
  try {
    return await fn(client);
  } finally {
    await client.stop();
  }
}

function print(options: ListOptions, records: unknown[], headers: string[], rows: (string | number)[][]): void {
  console.log(options.json ? JSON.stringify(records, null, 2) : table(headers, rows));
}

export async function ctlBackends(options: ListOptions): Promise<void> {
  await withClient(options, async (client) => {
    const backends = [...(await client.getBackends()).values()];
    const stats = await Promise.all(
      backends.map((b) =>
        client
          .backend(b.id)
          .stats()
          .catch(() => undefined),
      ),
    );
    const rows = backends.map((b, i) => {
      const s = stats[i];
      return [
        b.id,
        `${b.host}:${b.pid}`,
        s ? duration(s.uptimeMs) : '?',
        s?.loaded ?? '?',
        s?.stored ?? '?',
        s?.copies ?? '?',
        s?.copiesLoaded ?? '?',
        s ? bytes(s.rss) : '?',
      ];
    });
    const records = backends.map((b, i) => ({ ...b, stats: stats[i] ?? null }));
    print(options, records, ['BACKEND', 'HOST:PID', 'UP', 'LOADED', 'STORED', 'COPIES', 'COPIES-LOADED', 'RSS'], rows);
  });
}

export interface ObjectsOptions extends ListOptions {
  backend?: string;
  dataset?: string;
  class?: string;
  limit: number;
  cursor?: string;
}

export async function ctlObjects(options: ObjectsOptions): Promise<void> {
  await withClient(options, async (client) => {
    const className =
      options.class === undefined
        ? undefined
        : resolveClassName(
            options.class,
            [...(await client.getBackends()).values()].flatMap((b) => b.classes),
          );
    const records = await client.listObjects({
      backendId: options.backend,
      dataset: options.dataset,
      className,
      limit: options.limit,
      cursor: options.cursor,
    });
    // a consolidated version is a forwarding id to its original, not an object of its own (the listing skips them)
    const objects = records.filter((o) => o.forward === undefined);
    const rows = objects.map((o) => [o.id, o.className, o.dataset, o.master]);
    print(options, objects, ['OBJECT', 'CLASS', 'DATASET', 'BACKEND'], rows);
    if (records.cursor !== undefined && !options.json) console.log(`(more: add --cursor ${records.cursor})`);
  });
}

export async function ctlFlush(backendIds: string[], options: CtlOptions): Promise<void> {
  await withClient(options, async (client) => {
    const bar = progress('flushing', backendIds.length);
    for (const id of backendIds) {
      const { saved } = await client.backend(id).flushAll();
      bar.step(`backend ${id}: ${saved} objects saved and unloaded`);
    }
    bar.end();
  });
}

/** Returns once every backend named has stopped (it answers no more), one line (or bar step) each. */
export async function ctlStop(backendIds: string[], options: CtlOptions): Promise<void> {
  await withClient(options, async (client) => {
    const bar = progress('stopping', backendIds.length);
    for (const id of backendIds) {
      if (!process.stdout.isTTY) console.log(`backend ${id}: stopping`);
      await client.backend(id).stop(Math.max(30_000, options.timeout ?? 0));
      bar.step(`backend ${id}: stopped`);
    }
    bar.end();
  });
}

export interface DatasetCreateOptions extends CtlOptions {
  owner?: string;
  public?: Level;
}

export async function ctlDatasetCreate(name: string, options: DatasetCreateOptions): Promise<void> {
  await withClient(options, async (client) => {
    const d = await client.datasets().create(name, { owner: options.owner, public: options.public });
    console.log(`dataset ${d.name}: created, owner ${d.owner}${d.public ? `, public ${d.public}` : ''}`);
  });
}

export async function ctlDatasetDelete(name: string, options: CtlOptions): Promise<void> {
  await withClient(options, async (client) => {
    await client.datasets().delete(name);
    console.log(`dataset ${name}: deleted, with its grants`);
  });
}

export async function ctlDatasetList(options: ListOptions): Promise<void> {
  await withClient(options, async (client) => {
    const datasets = await client.datasets().list();
    const rows = datasets.map((d) => [d.name, d.owner, d.public ?? '-']);
    print(options, datasets, ['DATASET', 'OWNER', 'PUBLIC'], rows);
  });
}

export async function ctlGrantSet(dataset: string, user: string, level: Level, options: CtlOptions): Promise<void> {
  await withClient(options, async (client) => {
    await client.datasets().grant(dataset, user, level);
    console.log(`dataset ${dataset}: ${user} ${level}`);
  });
}

export async function ctlGrantRevoke(dataset: string, user: string, options: CtlOptions): Promise<void> {
  await withClient(options, async (client) => {
    await client.datasets().revoke(dataset, user);
    console.log(`dataset ${dataset}: ${user} revoked`);
  });
}

export async function ctlGrantList(dataset: string | undefined, options: ListOptions): Promise<void> {
  await withClient(options, async (client) => {
    const grants = await client.datasets().grants(dataset);
    const rows = grants.map((g) => [g.dataset, g.user, g.level]);
    print(options, grants, ['DATASET', 'USER', 'LEVEL'], rows);
  });
}

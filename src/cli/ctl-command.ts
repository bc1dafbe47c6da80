// `dataclay ctl`: look at and operate a running cluster.
import { Client } from '../client/client.js';
import type { Level } from '../metadata/grants.js';
import { type NatsFlags, natsOptionsFrom } from './nats-flags.js';
import { bytes, duration, table } from './table.js';

export interface CtlOptions extends NatsFlags {
  namespace: string;
}

async function withClient<T>(options: CtlOptions, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await new Client({
    ...natsOptionsFrom(options),
    namespace: options.namespace,
    timeoutMs: 10_000,
  }).start();
  try {
    return await fn(client);
  } finally {
    await client.stop();
  }
}

export async function ctlBackends(options: CtlOptions): Promise<void> {
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
        s ? bytes(s.rss) : '?',
      ];
    });
    console.log(table(['BACKEND', 'HOST:PID', 'UP', 'LOADED', 'STORED', 'RSS'], rows));
  });
}

export interface ObjectsOptions extends CtlOptions {
  backend?: string;
  dataset?: string;
  class?: string;
  limit: number;
  cursor?: string;
}

export async function ctlObjects(options: ObjectsOptions): Promise<void> {
  await withClient(options, async (client) => {
    const objects = await client.listObjects({
      backendId: options.backend,
      dataset: options.dataset,
      className: options.class,
      limit: options.limit,
      cursor: options.cursor,
    });
    console.log(
      table(
        ['OBJECT', 'CLASS', 'DATASET', 'BACKEND'],
        objects.map((o) => [o.id, o.className, o.dataset, o.master]),
      ),
    );
    if (objects.cursor !== undefined) console.log(`(more: add --cursor ${objects.cursor})`);
  });
}

export async function ctlFlush(backendId: string, options: CtlOptions): Promise<void> {
  await withClient(options, async (client) => {
    const { saved } = await client.backend(backendId).flushAll();
    console.log(`backend ${backendId}: ${saved} objects saved and unloaded`);
  });
}

export async function ctlStop(backendId: string, options: CtlOptions): Promise<void> {
  await withClient(options, async (client) => {
    await client.backend(backendId).stop();
    console.log(`backend ${backendId}: stopping`);
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

export async function ctlDatasetList(options: CtlOptions): Promise<void> {
  await withClient(options, async (client) => {
    const rows = (await client.datasets().list()).map((d) => [d.name, d.owner, d.public ?? '-']);
    console.log(table(['DATASET', 'OWNER', 'PUBLIC'], rows));
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

export async function ctlGrantList(dataset: string | undefined, options: CtlOptions): Promise<void> {
  await withClient(options, async (client) => {
    const rows = (await client.datasets().grants(dataset)).map((g) => [g.dataset, g.user, g.level]);
    console.log(table(['DATASET', 'USER', 'LEVEL'], rows));
  });
}

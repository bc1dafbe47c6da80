// The metadata through a stream leader's election, on a 3-node JetStream cluster of real nats-servers with R3
// buckets: a backend's reads and writes made while the leader of their stream is dead wait for the new leader instead
// of failing, and the live set keeps the backends it knew while their heartbeats could not be written.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendInfo, ObjectMetadata } from '../../src/index.js';
import { Heartbeat, MetadataStore, NatsCluster, type NatsServer } from '../../src/internal.js';
import { makeTempDir, removeDir, uniqueAlias, waitFor } from '../setup/helpers.js';
import { reElection } from '../setup/jetstream-election.js';

interface StreamsJsz {
  account_details?: { stream_detail?: { name: string; cluster?: { leader?: string } }[] }[];
}

describe('the metadata while a stream leader is elected anew (3-node cluster, R3 buckets)', () => {
  let dir: string;
  let cluster: NatsCluster;
  const connections: NatsConnection[] = [];
  const stores: MetadataStore[] = [];

  beforeAll(async () => {
    dir = makeTempDir('metadata-outage');
    cluster = await NatsCluster.start({ dir, size: 3 });
  });
  afterAll(async () => {
    for (const s of stores) s.close();
    await Promise.allSettled(connections.map((nc) => nc.close()));
    await cluster?.stop();
    removeDir(dir);
  });

  /** The buckets of a new namespace, and the server leading the stream of `bucket`. */
  async function namespaceLedAt(bucket: string): Promise<{ ns: string; leader: NatsServer }> {
    const ns = uniqueAlias('outage').replace(/[^A-Za-z0-9]/g, '');
    const nc = await connect({ servers: cluster.urls });
    connections.push(nc);
    stores.push(await MetadataStore.open(nc, ns, { replicas: 3 }));
    const stream = `KV_dc_${ns}_${bucket}`;
    const name = await waitFor(
      async () => {
        const jsz = (await cluster.jsz('?streams=true')) as StreamsJsz;
        const found = jsz.account_details?.flatMap((a) => a.stream_detail ?? []).find((s) => s.name === stream);
        return found?.cluster?.leader || undefined;
      },
      { what: `a leader for ${stream}` },
    );
    return { ns, leader: cluster.server(name!) };
  }

  /** A store of the namespace on a connection to the servers other than `victim` (a backend that stays connected). */
  async function storeAway(ns: string, victim: NatsServer): Promise<MetadataStore> {
    const nc = await connect({ servers: cluster.servers.filter((s) => s !== victim).map((s) => s.url) });
    connections.push(nc);
    const store = await MetadataStore.open(nc, ns, { replicas: 3 });
    stores.push(store);
    return store;
  }

  const record = (id: string, master: string): ObjectMetadata => ({
    id,
    className: 'C',
    dataset: 'ds',
    master,
    replicas: [],
  });

  it('writes and reads sent right after the leader of their stream died succeed once another is elected', async () => {
    const { ns, leader } = await namespaceLedAt('objects');
    const store = await storeAway(ns, leader);
    await store.createObject(record('before', 'backend-1'));
    const killedAt = Date.now();
    await leader.kill();
    try {
      const [created, put, read, alias, election] = await Promise.allSettled([
        store.createObject(record('during', 'backend-1')),
        store.putObject(record('before', 'backend-2')),
        store.getObject('before'),
        store.createAlias('ds', 'during', { id: 'during', className: 'm.C', dataset: 'ds', master: 'backend-1' }),
        reElection(cluster, leader.name!, `KV_dc_${ns}_`, killedAt),
      ]);
      expect([created, put, read, alias].map((r) => r.status)).toEqual(Array(4).fill('fulfilled'));
      expect(election.status === 'fulfilled' && election.value).toBeGreaterThan(0); // a new leader was elected
      expect(await store.getObject('during')).toEqual(record('during', 'backend-1'));
      expect((await store.getObject('before'))?.master).toBe('backend-2');
      expect(await store.getAlias('ds', 'during')).toEqual({
        id: 'during',
        className: 'm.C',
        dataset: 'ds',
        master: 'backend-1',
      });
    } finally {
      await leader.launch();
      await cluster.waitReady(60_000);
    }
  });

  it('the live set keeps every backend while their heartbeats cannot be written, none declared gone', async () => {
    const { ns, leader } = await namespaceLedAt('backends');
    const store = await storeAway(ns, leader);
    const info = (id: string): BackendInfo => ({ id, host: 'h', pid: 1, startedAt: 0, heartbeatAt: 0, classes: [] });
    const log = { warn: () => undefined, info: () => undefined };
    const beats = ['backend-1', 'backend-2'].map((id) => new Heartbeat(() => store.putBackend(info(id)), log));
    try {
      const both = ['backend-1', 'backend-2'];
      const live = async () => (await store.listBackends()).map((b) => b.id);
      await waitFor(live, { until: (ids) => ids.length === 2, what: 'both backends live' });
      const killedAt = Date.now();
      await leader.kill();
      // sampled through the election and until heartbeats are written again (a new record after the kill)
      const seen: string[][] = [];
      let elected = false;
      const election = reElection(cluster, leader.name!, `KV_dc_${ns}_backends`, killedAt).finally(
        () => (elected = true),
      );
      await waitFor(
        async () => {
          seen.push(await live());
          return elected && store.liveSetHealthy();
        },
        { what: 'the election over and heartbeats delivered again', timeoutMs: 90_000, intervalMs: 200 },
      );
      expect(await election).toBeGreaterThan(0);
      expect(seen.filter((ids) => ids.join() !== both.join())).toEqual([]);
    } finally {
      for (const b of beats) b.stop();
      await leader.launch();
      await cluster.waitReady(60_000);
    }
  });
});

// Metadata buckets on a JetStream cluster of 3 real nats-servers: replicas by default and on request, a bucket with
// other replicas reported, and opening them while backends race and while JetStream elects its leaders.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketReplicasError, InvalidOptionError, MetadataUnavailableError } from '../../src/index.js';
import { NatsCluster, NatsServer, openBuckets } from '../../src/internal.js';
import { makeTempDir, removeDir, tempDir, uniqueAlias, waitFor } from '../setup/helpers.js';

const replicasOf = async (nc: NatsConnection, ns: string, name = 'objects') => {
  const [kv] = await openBuckets(nc, ns, [{ name }]);
  return (await kv.status()).replicas;
};

describe('metadata buckets on a lone nats-server', () => {
  it('get 1 replica by default; more is refused with a clear error', async () => {
    const server = await NatsServer.start({ dir: tempDir('replicas-lone') });
    const nc = await connect({ servers: server.url });
    try {
      expect(await replicasOf(nc, 'lone')).toBe(1);
      const err = await openBuckets(nc, 'lone3', [{ name: 'objects' }], { replicas: 3 }).catch((e) => e);
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect(err.data).toMatchObject({ option: 'metadataReplicas', value: '3' });
      const bad = await openBuckets(nc, 'lone0', [{ name: 'objects' }], { replicas: 0 }).catch((e) => e);
      expect(bad).toBeInstanceOf(InvalidOptionError);
    } finally {
      await nc.close();
      await server.stop();
    }
  });
});

describe('metadata buckets on a 3-node JetStream cluster', () => {
  let dir: string;
  let cluster: NatsCluster;
  const connections: NatsConnection[] = [];
  const connectTo = async (...urls: string[]) => {
    const nc = await connect({ servers: urls.length ? urls : cluster.urls });
    connections.push(nc);
    return nc;
  };

  beforeAll(async () => {
    dir = makeTempDir('replicas-cluster');
    cluster = await NatsCluster.start({ dir, size: 3 });
  });
  afterAll(async () => {
    await Promise.allSettled(connections.map((nc) => nc.close()));
    await cluster?.stop();
    removeDir(dir);
  });

  it('get 3 replicas by default, or the number asked for', async () => {
    const nc = await connectTo();
    // the client learns the other servers from the one it reached: that is what the default counts
    await waitFor(() => nc.info?.connect_urls?.length, { until: (n) => n === 3, what: 'all 3 client URLs' });
    expect(await replicasOf(nc, uniqueAlias('r3'))).toBe(3);
    const ns = uniqueAlias('r1');
    const [kv] = await openBuckets(nc, ns, [{ name: 'objects' }], { replicas: 1 });
    expect((await kv.status()).replicas).toBe(1);
  });

  it('report a bucket whose replicas differ: an error when asked explicitly, a warning by default', async () => {
    const nc = await connectTo();
    const ns = uniqueAlias('differ');
    await openBuckets(nc, ns, [{ name: 'objects' }], { replicas: 1 });
    const err = await openBuckets(nc, ns, [{ name: 'objects' }], { replicas: 3 }).catch((e) => e);
    expect(err).toBeInstanceOf(BucketReplicasError);
    expect(err.data).toEqual({ bucket: `dc_${ns}_objects`, replicas: 1, wanted: 3 });
    const warnings: Record<string, unknown>[] = [];
    const [kv] = await openBuckets(nc, ns, [{ name: 'objects' }], { warn: (_m, data) => warnings.push(data) });
    expect((await kv.status()).replicas).toBe(1); // used as it is, and said so
    expect(warnings).toEqual([{ bucket: `dc_${ns}_objects`, replicas: 1, default: 3 }]);
  });

  it('backends starting together, each on another server, all open the buckets', async () => {
    const ncs = await Promise.all(cluster.urls.map((url) => connectTo(url)));
    const failures: string[] = [];
    for (let round = 0; round < 5; round++) {
      const ns = uniqueAlias('race');
      const specs = [{ name: 'objects' }, { name: 'aliases' }, { name: 'backends', ttlMs: 60_000 }, { name: 'grants' }];
      const opened = await Promise.allSettled(ncs.map((nc) => openBuckets(nc, ns, specs, { replicas: 3 })));
      failures.push(...opened.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : [])));
    }
    expect(failures).toEqual([]);
  });

  it('opening waits out a meta leader election, and fails with a typed error when JetStream has no quorum', async () => {
    const leader = (await cluster.metaLeader())!;
    const others = cluster.servers.filter((s) => s !== leader);
    const nc = await connectTo(others[0].url);
    await leader.kill(); // the others elect a new meta leader meanwhile: the open retries until there is one
    try {
      const [kv] = await openBuckets(nc, uniqueAlias('election'), [{ name: 'objects' }], { replicas: 3 });
      expect((await kv.status()).replicas).toBe(3);
    } finally {
      await leader.launch();
    }
    await cluster.waitReady();
    const alone = await connectTo(others[0].url);
    await Promise.all([leader.kill(), others[1].kill()]); // one of three left: no quorum, no meta leader
    try {
      const ns = uniqueAlias('noquorum');
      const err = await openBuckets(alone, ns, [{ name: 'objects' }], { deadlineMs: 3_000 }).catch((e) => e);
      expect(err).toBeInstanceOf(MetadataUnavailableError);
      expect(err.data.bucket).toBe(`dc_${ns}_objects`);
      expect(err.cause).toBeInstanceOf(Error); // what JetStream last said
    } finally {
      await Promise.all([leader.launch(), others[1].launch()]);
    }
    await cluster.waitReady();
  });
});

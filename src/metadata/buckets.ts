// Opening a namespace's KV buckets: how many replicas, and surviving a JetStream cluster that is still electing its
// leaders or has several backends creating the same bucket at once (docs/scaling.md).
import { jetstream } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { BucketReplicasError, InvalidOptionError, MetadataUnavailableError } from '../errors.js';
import { apiCode, isNoResponders, isTimeout } from './kv-errors.js';

/** How a backend opens its buckets. */
export interface BucketOptions {
  /** Replicas of every bucket (1-5). Default: 3 on a cluster of at least 3 servers, else 1. */
  replicas?: number;
  /** Told when an existing bucket has other replicas than the default asked for (an explicit ask throws instead). */
  warn?: (message: string, data: Record<string, unknown>) => void;
  /** How long to keep retrying while JetStream cannot answer (default 30 s). */
  deadlineMs?: number;
}

export interface BucketSpec {
  /** The bucket's name without the namespace: `objects` opens dc_<ns>_objects. */
  name: string;
  /** A bucket-wide max age (nats-server 2.9 has no per-key TTL). */
  ttlMs?: number;
}

const DEADLINE_MS = 30_000;
/**
 * Concurrent creates of one stream on a cluster can leave a request without any answer: asked again after this long
 * rather than JetStream's default 5 s (the bucket's own reads and writes keep the default).
 */
const CREATE_TIMEOUT_MS = 1_500;
const MAX_REPLICAS = 5; // JetStream's limit

/**
 * The default replicas: 3 when the server we are connected to is in a cluster that advertises at least 3 client
 * URLs (the INFO every server sends, which needs no permission), else 1. A cluster that hides its URLs
 * (`no_advertise`) counts as one server: give `replicas` explicitly there.
 */
export function defaultReplicas(nc: NatsConnection): number {
  const info = nc.info;
  if (!info?.cluster) return 1;
  return new Set(info.connect_urls ?? []).size >= 3 ? 3 : 1;
}

/** Opens (creating if needed) the namespace's buckets, all with the same replicas. */
export async function openBuckets(
  nc: NatsConnection,
  namespace: string,
  specs: readonly BucketSpec[],
  options: BucketOptions = {},
): Promise<KV[]> {
  const explicit = options.replicas !== undefined;
  if (explicit) checkReplicas(options.replicas!);
  const kvm = new Kvm(nc);
  const creator = new Kvm(jetstream(nc, { timeout: CREATE_TIMEOUT_MS }));
  return Promise.all(
    specs.map(async ({ name, ttlMs }) => {
      const bucket = `dc_${namespace}_${name}`;
      // read at each open: the INFO of a forming cluster grows as its routes connect
      const replicas = options.replicas ?? defaultReplicas(nc);
      const config = { history: 1, replicas, ...(ttlMs !== undefined && { ttl: ttlMs }) };
      const retrying = <T>(run: () => Promise<T>) => withRetries(nc, bucket, options.deadlineMs ?? DEADLINE_MS, run);
      // made (or found) with the short timeout, then opened for use: the second finds it and only reads its info
      const made = await retrying(() => creator.create(bucket, config)).catch((err) => {
        if (!notClustered(err)) throw err;
        throw new InvalidOptionError('metadataReplicas', replicas, '1 on a nats-server without a cluster', {
          cause: err,
        });
      });
      // a new replicated stream takes writes once its group has a leader: until then a put finds no responders
      const actual = await retrying(async () => {
        const { streamInfo } = await made.status();
        if (streamInfo.cluster && !streamInfo.cluster.leader) throw new NoLeaderYet(bucket);
        return streamInfo.config.num_replicas;
      });
      // a replicated bucket is read through its stream's leader: nats-server 2.9 lets every replica answer a direct
      // get, and a follower that has not applied the last write yet answers with the value before it (a create just
      // acknowledged reads as missing; read-after-write came in 2.12, nats-server#6557). Written as it was created
      const kv = await retrying(() => kvm.create(bucket, actual > 1 ? { ...config, allow_direct: false } : config));
      if (actual !== replicas) {
        if (explicit) throw new BucketReplicasError(bucket, actual, replicas);
        options.warn?.('a metadata bucket has other replicas than the default: using it as it is (docs/scaling.md)', {
          bucket,
          replicas: actual,
          default: replicas,
        });
      }
      return kv;
    }),
  );
}

class NoLeaderYet extends Error {
  constructor(bucket: string) {
    super(`the stream of ${bucket} has no leader yet`);
    this.name = 'NoLeaderYet';
  }
}

function checkReplicas(replicas: number): void {
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) {
    throw new InvalidOptionError('metadataReplicas', replicas, `an integer from 1 to ${MAX_REPLICAS}`);
  }
}

/**
 * Runs a JetStream request again while the failure is one a cluster recovers from by itself, with a doubling pause,
 * until the deadline; then fails with MetadataUnavailableError. Any other failure is thrown at once.
 */
async function withRetries<T>(
  nc: NatsConnection,
  bucket: string,
  deadlineMs: number,
  run: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  let pauseMs = 50;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      // another backend made it meanwhile: the next attempt opens it (at once, the first few times)
      if (isCreationRace(err) && attempt < 5) continue;
      const waited = Date.now() - started;
      if (!isTransient(err, nc)) throw err;
      if (waited + pauseMs > deadlineMs) throw new MetadataUnavailableError(bucket, attempt, waited, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      pauseMs = Math.min(pauseMs * 2, 2_000);
    }
  }
}

/**
 * JetStream answers a cluster in flux with: 10004 cluster incomplete, 10005 no suitable peers, 10008 temporarily
 * unavailable (no meta leader), 10009 not the leader, 10023 insufficient resources, 10040 peer not a member yet.
 * 10059 stream not found: a server asked for a bucket another backend has just made may not know of it yet. A request
 * nobody answered in time, or nobody at all while the server has JetStream on (no leader to answer), is the same.
 */
const TRANSIENT_CODES = new Set([10004, 10005, 10008, 10009, 10023, 10040, 10059]);

function isTransient(err: unknown, nc: NatsConnection): boolean {
  if (TRANSIENT_CODES.has(apiCode(err) as number) || isCreationRace(err)) return true;
  if (isTimeout(err) || err instanceof NoLeaderYet) return true;
  // no responders: no leader to answer yet, or no JetStream at all; the server's INFO says which
  return isNoResponders(err) && nc.info?.jetstream === true;
}

/** 10074: replicas above 1 on a server that is not in a JetStream cluster. */
function notClustered(err: unknown): boolean {
  return apiCode(err) === 10074;
}

/** JetStream's "subjects overlap" (10065) or "stream name already in use" (10058): another creator won. */
function isCreationRace(err: unknown): boolean {
  const e = err as { message?: string } | undefined;
  const code = apiCode(err);
  return code === 10065 || code === 10058 || /subjects overlap|name already in use/i.test(String(e?.message));
}

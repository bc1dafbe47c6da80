// Errors of the metadata buckets (JetStream KV): opening them on a cluster, and their replicas.
import { DataClayError } from './base.js';

/** JetStream did not let a bucket be opened within the bounded retries (no meta leader, no quorum, timeouts). */
export class MetadataUnavailableError extends DataClayError<{ bucket: string; attempts: number; waitedMs: number }> {
  constructor(bucket: string, attempts: number, waitedMs: number, options?: ErrorOptions) {
    super(
      `JetStream did not open the bucket ${bucket} in ${attempts} attempts over ${waitedMs} ms (no meta leader, ` +
        'too few servers for its replicas, or unreachable): check the NATS cluster (docs/scaling.md)',
      { bucket, attempts, waitedMs },
      options,
    );
  }
}

/**
 * A read or write of a metadata bucket found JetStream unable to answer for longer than a stream's leader election
 * takes (a NATS server down and no quorum, or unreachable): nothing is known to be done; retry later.
 */
export class MetadataUnreachableError extends DataClayError<{ bucket: string; operation: string; waitedMs: number }> {
  constructor(bucket: string, operation: string, waitedMs: number, options?: ErrorOptions) {
    super(
      `JetStream did not answer a ${operation} on the bucket ${bucket} for ${waitedMs} ms (a stream without a ` +
        'leader: a NATS server down without a quorum left, or unreachable); retry, and check the NATS cluster ' +
        '(docs/scaling.md)',
      { bucket, operation, waitedMs },
      options,
    );
  }
}

/** A bucket exists with another number of replicas than was asked for explicitly: it is not silently used. */
export class BucketReplicasError extends DataClayError<{ bucket: string; replicas: number; wanted: number }> {
  constructor(bucket: string, replicas: number, wanted: number, options?: ErrorOptions) {
    super(
      `the bucket ${bucket} has ${replicas} replica(s), ${wanted} were asked for: change the bucket's stream ` +
        `(nats stream edit KV_${bucket} --replicas ${wanted}) or ask for ${replicas} (docs/scaling.md)`,
      { bucket, replicas, wanted },
      options,
    );
  }
}

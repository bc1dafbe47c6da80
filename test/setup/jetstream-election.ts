// How long JetStream takes to recover from losing a server: until the meta group and every stream of a namespace's
// buckets have a leader on another server, as the surviving servers' /jsz reports it.
import type { NatsCluster } from '../../src/dev/nats-cluster.js';

interface StreamsJsz {
  meta_cluster?: { leader?: string };
  account_details?: { stream_detail?: { name: string; cluster?: { leader?: string } }[] }[];
}

/** Milliseconds from `since` until no leader is `victim` or missing (polled every 50 ms; undefined past `timeoutMs`). */
export async function reElection(
  cluster: NatsCluster,
  victim: string,
  streamPrefix: string,
  since: number,
  timeoutMs = 60_000,
): Promise<number | undefined> {
  while (Date.now() - since < timeoutMs) {
    const jsz = (await cluster.jsz('?streams=true').catch(() => undefined)) as StreamsJsz | undefined;
    const streams = jsz?.account_details?.flatMap((a) => a.stream_detail ?? []) ?? [];
    const leaders = [
      jsz?.meta_cluster?.leader,
      ...streams.filter((s) => s.name.startsWith(streamPrefix)).map((s) => s.cluster?.leader),
    ];
    if (streams.length > 0 && leaders.every((l) => l !== undefined && l !== '' && l !== victim))
      return Date.now() - since;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}

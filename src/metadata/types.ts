// Records kept in JetStream KV.

export interface ObjectMetadata {
  id: string;
  className: string;
  dataset: string;
  /** Backend that owns (masters) the object. */
  master: string;
  /** Backends holding read replicas, kept in step by the master. */
  replicas: string[];
  /** For a version: the original's id, and the chain of versions from the original down to this one's parent. */
  original?: string;
  versions?: string[];
  /** A consolidated version: its id now names this object (the original). */
  forward?: string;
}

export interface BackendInfo {
  id: string;
  host: string;
  pid: number;
  startedAt: number;
  heartbeatAt: number;
  /** Persistent and value classes the backend has loaded. */
  classes: string[];
  /** Being drained (`dataclay ctl drain`): it takes no new objects. */
  draining?: boolean;
  /** Where its Prometheus metrics are served, when they are. */
  metricsUrl?: string;
}

/** What a backend says of itself (`dataclay ctl backends`, `client.backend(id).stats()`). */
export interface BackendStats {
  id: string;
  /** Objects in memory, and the bytes of their stored records. */
  loaded: number;
  loadedBytes: number;
  /** Objects in its store. */
  stored: number;
  /** Resident set size of the process, now and at its peak, in bytes. */
  rss: number;
  maxRss: number;
  uptimeMs: number;
}

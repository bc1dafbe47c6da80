// Records kept in JetStream KV.

export interface ObjectMetadata {
  id: string;
  className: string;
  dataset: string;
  /** Backend that owns (masters) the object. */
  master: string;
  replicas: string[];
}

export interface BackendInfo {
  id: string;
  host: string;
  pid: number;
  startedAt: number;
  heartbeatAt: number;
  /** Persistent classes the backend has loaded. */
  classes: string[];
}

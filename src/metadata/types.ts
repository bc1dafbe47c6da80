// Records kept in JetStream KV.

export interface ObjectMetadata {
  id: string;
  className: string;
  dataset: string;
  /** Backend that owns (masters) the object. */
  master: string;
  /** Backends holding read replicas, kept in step by the master. */
  replicas: string[];
  /** Bumped each time the object changes master by a promotion or a move (docs/failover.md); absent means 0. */
  epoch?: number;
  /** For a version: the original's id, and the chain of versions from the original down to this one's parent. */
  original?: string;
  versions?: string[];
  /** A consolidated version: its id now names this object (the original). */
  forward?: string;
  /** Being deleted: an alias added now waits for the delete to end (backend/deletion.ts). */
  deleting?: true;
}

/**
 * Where an alias points: the object, and what a proxy of it needs (its class and dataset never change). `master` is
 * where the object was when the alias was written, a hint: a move does not rewrite it (docs/architecture.md).
 */
export interface AliasTarget {
  id: string;
  className: string;
  dataset: string;
  master: string;
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
  /**
   * As a move's target it names itself only once the source has said its note is on disk (backend/noted-moves.ts).
   * Absent on older builds: a source then waits for its note before it ships.
   */
  notedMoves?: true;
}

/** What happened to objects on a backend, as operators watch it (`client.backend(id).events()`, the console). */
export interface LifecycleEvent {
  /** Increasing per backend: ask for the events after the last one seen. */
  seq: number;
  /** Milliseconds since the epoch. */
  at: number;
  backendId: string;
  kind: 'persist' | 'move' | 'replica' | 'version' | 'consolidate';
  /** The objects it names (at most a few: `count` says how many there were). */
  ids: string[];
  count: number;
  /** Where they went (move, replica), or the new version's or the original's id (version, consolidate). */
  to?: string;
}

/** An object as an operator inspects it on its owner: its record, its fields, its aliases. */
export interface ObjectView {
  metadata: ObjectMetadata;
  /** References to other persistent objects are proxies. */
  fields: Record<string, unknown>;
  aliases: string[];
}

/** What a backend says of itself (`dataclay ctl backends`, `client.backend(id).stats()`). */
export interface BackendStats {
  id: string;
  /** Objects in memory, and the bytes of their stored records. */
  loaded: number;
  loadedBytes: number;
  /** Objects in its store. */
  stored: number;
  /** Backup copies (replicas) of other backends' objects in its store (docs/failover.md). */
  copies: number;
  /** Of those, the copies loaded in memory (the memory budget bounds them as it bounds `loaded`). */
  copiesLoaded: number;
  /** Resident set size of the process, now and at its peak, in bytes. */
  rss: number;
  maxRss: number;
  uptimeMs: number;
}

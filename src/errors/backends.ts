// Errors about backends, their storage, and the requests that reach them.
import { DataClayError } from './base.js';

export class BackendNotFoundError extends DataClayError<{ backendId: string; known: string[] }> {
  constructor(backendId: string, known: string[] = [], options?: ErrorOptions) {
    super(`Backend ${backendId} is not known (known: ${known.join(', ') || 'none'})`, { backendId, known }, options);
  }
}

/** The backend is registered but does not answer: it stopped or crashed. */
export class BackendUnavailableError extends DataClayError<{ backendId: string }> {
  constructor(backendId: string, options?: ErrorOptions) {
    super(`Backend ${backendId} does not answer`, { backendId }, options);
  }
}

export class NoBackendsError extends DataClayError<Record<string, never>> {
  constructor(options?: ErrorOptions) {
    super('No backends are available: start one with `dataclay backend` or `dataclay dev`', {}, options);
  }
}

/** No live backend has the class loaded, so a new object of it has nowhere to go. */
export class NoBackendForClassError extends DataClayError<{ className: string; backends: string[] }> {
  constructor(className: string, backends: string[], options?: ErrorOptions) {
    super(
      `no live backend has class ${className} loaded (live: ${backends.join(', ') || 'none'}): start a backend whose --models include it, or name one with backendId`,
      { className, backends },
      options,
    );
  }
}

/** The object is owned by another backend; the caller retries there (not seen by users unless retries run out). */
export class WrongBackendError extends DataClayError<{ objectId: string; owner: string }> {
  constructor(objectId: string, owner: string, options?: ErrorOptions) {
    super(`Object ${objectId} is owned by backend ${owner}`, { objectId, owner }, options);
  }
}

/**
 * The backend lost the object while it could not prove it was alive (paused, partitioned): another backend masters
 * it now, at a later epoch (docs/failover.md). Nothing of the refused request is kept; the caller retries there.
 */
export class FencedError extends DataClayError<{ objectId: string; owner: string; epoch: number }> {
  constructor(objectId: string, owner: string, epoch: number, options?: ErrorOptions) {
    super(
      `Object ${objectId} is mastered by backend ${owner} now (epoch ${epoch}): this copy is fenced off`,
      { objectId, owner, epoch },
      options,
    );
  }
}

/** A replica was asked for on the backend that masters the object. */
export class ReplicaOnMasterError extends DataClayError<{ backendId: string }> {
  constructor(backendId: string, options?: ErrorOptions) {
    super(`backend ${backendId} is the master: it cannot hold a replica too`, { backendId }, options);
  }
}

/** Another backend with this id answers on the cluster: two would split its requests. */
export class DuplicateBackendError extends DataClayError<{ backendId: string }> {
  constructor(backendId: string, options?: ErrorOptions) {
    super(
      `a backend with id ${backendId} is already running on this cluster: stop it, or start this one with another --id`,
      { backendId },
      options,
    );
  }
}

/** The storage directory is held by another live process (one backend per storage). */
export class StorageInUseError extends DataClayError<{ storage: string; pid: number }> {
  constructor(storage: string, pid: number, options?: ErrorOptions) {
    super(
      `storage ${storage} is in use by process ${pid}: stop that backend, or use another --storage`,
      { storage, pid },
      options,
    );
  }
}

/** The storage directory belongs to another backend id than the one asked for. */
export class StorageOwnerError extends DataClayError<{ storage: string; stored: string; id: string }> {
  constructor(storage: string, stored: string, id: string, options?: ErrorOptions) {
    super(
      `storage ${storage} belongs to backend ${stored}, not ${id}: omit --id, or use another --storage`,
      { storage, stored, id },
      options,
    );
  }
}

/** A process of the harness (nats-server, a backend) did not start; `log` has the end of its output. */
export class ProcessStartError extends DataClayError<{ process: string; reason: string; log: string }> {
  constructor(process: string, reason: string, log: string, options?: ErrorOptions) {
    super(`${process} ${reason}${log ? `; its log:\n${log}` : ''}`, { process, reason, log }, options);
  }
}

/** The backend is being drained (`dataclay ctl drain`): it takes no new objects; the caller places them elsewhere. */
export class BackendDrainingError extends DataClayError<{ backendId: string }> {
  constructor(backendId: string, options?: ErrorOptions) {
    super(
      `Backend ${backendId} is draining and takes no new objects: make them persistent on another backend`,
      {
        backendId,
      },
      options,
    );
  }
}

/**
 * A garbage collection stopped before its sweep, having deleted nothing: a backend joined or restarted while it ran
 * (its writes were not all seen), or the graph kept changing under it.
 */
export class CollectionInterruptedError extends DataClayError<{ reason: string }> {
  constructor(reason: string, options?: ErrorOptions) {
    super(`The garbage collection stopped and deleted nothing: ${reason}; run it again`, { reason }, options);
  }
}

/** A drain could not move every object away (no other backend has their class, or their moves kept failing). */
export class DrainIncompleteError extends DataClayError<{ backendId: string; left: number }> {
  constructor(backendId: string, left: number, options?: ErrorOptions) {
    super(
      `Backend ${backendId} still masters ${left} objects after the drain: start a backend that loads their classes, ` +
        'then drain again (it was not stopped)',
      { backendId, left },
      options,
    );
  }
}

/**
 * A move's source did not say that it had recorded the move on its disk (its write failed, or no word came in time:
 * it crashed, or its disk stalls): the target gave the objects back, and they stay where they were.
 */
export class MoveUnconfirmedError extends DataClayError<{ objectIds: string[]; waitedMs: number }> {
  constructor(objectIds: string[], waitedMs: number, options?: ErrorOptions) {
    super(
      `The move of ${objectIds.length === 1 ? objectIds[0] : `${objectIds.length} objects`} did not happen: its ` +
        `source did not confirm within ${waitedMs} ms that it had recorded it on its disk (a crash, or a disk ` +
        'failing or stalling there); the objects stay on the source: retry the move, and check its log',
      { objectIds, waitedMs },
      options,
    );
  }
}

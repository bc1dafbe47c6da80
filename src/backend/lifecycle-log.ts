// The backend's recent lifecycle events (persists, moves, replicas, versions, consolidations), kept in a bounded
// ring that operators poll with the admin operation `events` (the console shows them as they happen). The backend
// is where a move or a replica happens, so it records it; nobody needs to read the metadata bucket to find out.
import { DoesNotExistError } from '../errors.js';
import type { LifecycleEvent } from '../metadata/types.js';
import type { BackendOps } from '../protocol/backend-ops.js';
import type { Handlers } from '../protocol/handlers.js';
import { readFields } from '../object/locality.js';
import type { BackendRuntime } from './backend-runtime.js';

/** Ids an event names at most; `count` keeps the total. */
const IDS_PER_EVENT = 20;

export class LifecycleLog {
  private readonly ring: LifecycleEvent[] = [];
  private seq = 0;

  constructor(
    private readonly backendId: string,
    private readonly capacity = 1_000,
  ) {}

  note(kind: LifecycleEvent['kind'], ids: readonly string[], to?: string, count = ids.length): void {
    const event: LifecycleEvent = {
      seq: ++this.seq,
      at: Date.now(),
      backendId: this.backendId,
      kind,
      ids: ids.slice(0, IDS_PER_EVENT),
      count,
    };
    if (to !== undefined) event.to = to;
    this.ring.push(event);
    if (this.ring.length > this.capacity) this.ring.shift();
  }

  /** The events after `after`, oldest first; those pushed out of the ring are gone. */
  since(after: number): { next: number; events: LifecycleEvent[] } {
    return { next: this.seq, events: this.ring.filter((e) => e.seq > after) };
  }
}

type Noted = 'persist' | 'persistEach' | 'move' | 'replicate' | 'version' | 'consolidate';

/** The handlers of the operations that change where objects are, each noting its event once it succeeded. */
export function noting<H extends Pick<Handlers<BackendOps>, Noted>>(handlers: H, log: LifecycleLog): H {
  const { persist, persistEach, move, replicate, version, consolidate } = handlers;
  return {
    ...handlers,
    async persist(request, ctx) {
      await persist(request, ctx);
      log.note(
        'persist',
        request[1].map(([id]) => id),
      );
    },
    async persistEach(request, ctx) {
      const outcomes = await persistEach(request, ctx);
      const made = request[1].filter((_, i) => outcomes[i] === null).flatMap((graph) => graph.map(([id]) => id));
      if (made.length > 0) log.note('persist', made);
      return outcomes;
    },
    async move(request, ctx) {
      const moved = await move(request, ctx);
      if (moved > 0) log.note('move', request[1], request[2], moved);
      return moved;
    },
    async replicate(request, ctx) {
      const made = await replicate(request, ctx);
      if (made.target !== null && made.count > 0) log.note('replica', request[1], made.target, made.count);
      return made;
    },
    async version(request, ctx) {
      const made = await version(request, ctx);
      log.note('version', [request[1]], made[0]);
      return made;
    },
    async consolidate(request, ctx) {
      const done = await consolidate(request, ctx);
      log.note('consolidate', [request[1]], done[0]);
      return done;
    },
  };
}

/** The operator's reads: the events, and an object's fields. */
export function observerHandlers(
  rt: Pick<BackendRuntime, 'ownership' | 'store'>,
  log: LifecycleLog,
): Pick<Handlers<BackendOps>, 'events' | 'inspect'> {
  return {
    events: ([, after]) => log.since(after),
    async inspect([, id]) {
      const obj = await rt.ownership.readable(id); // WrongBackendError names the owner when it is elsewhere
      const metadata = await rt.store.getObject(id);
      if (!metadata) throw new DoesNotExistError(id);
      // the fields themselves, not what state hooks would make of them
      return { metadata, fields: readFields(obj), aliases: await rt.store.listAliases(id, metadata.dataset) };
    },
  };
}

// The make-persistent unit of work: collects the new objects of a graph (claiming them, so two operations never
// ship one), puts them where the placement says (shipped in one request, or registered here on a backend), and
// persists the new objects a request references before it leaves (they travel by reference only).
import { BackendUnavailableError } from '../errors.js';
import type { RequestContext, Session } from '../object/context.js';
import type { DataClayObject } from '../object/dataclay-object.js';
import type { IdentityMap } from '../object/identity.js';
import { claimOf, confirm, rollback, ship } from '../object/lifecycle.js';
import { readFields } from '../object/locality.js';
import { STATE } from '../object/state.js';
import { chunkBySize, wireRecordSize } from '../messaging/chunks.js';
import { toWire } from '../protocol/session.js';
import type { EncodeSink } from '../serialization/codec.js';
import { collectUnregistered, type PersistBatch } from '../serialization/graph.js';
import { PersistBatches } from './persist-batches.js';
import type { Placement } from './placement.js';
import type { Requests } from './requests.js';

/** A backend registers the objects placed on it itself, instead of sending them to itself. */
export interface LocalRegistration {
  readonly backendId: string;
  register(objects: DataClayObject[], session: Session, alias?: string): Promise<void>;
}

export interface UnitOfWorkDeps {
  requests: Pick<Requests, 'request' | 'batchBudget'>;
  session: () => RequestContext;
  identity: IdentityMap;
  placement: Placement;
  local?: LocalRegistration;
}

export class PersistUnitOfWork {
  private readonly batches: PersistBatches;

  constructor(private readonly deps: UnitOfWorkDeps) {
    this.batches = new PersistBatches(deps.requests);
  }

  /**
   * Makes an unregistered object and every unregistered object it references persistent, on `backendId` or where
   * the placement says. False when a concurrent operation had claimed it: it waited for that one, and the caller
   * does what is left (the object is registered now).
   */
  async persist(obj: DataClayObject, backendId?: string, alias?: string): Promise<boolean> {
    const { placement } = this.deps;
    // chosen before the graph is collected: from collecting to shipping nothing may await (a field written in
    // between would be in neither the records nor the object); the root's class decides
    const target = backendId ?? (await placement.choose([obj.className]));
    if (backendId !== undefined) await placement.check(target);
    const batch = collectUnregistered([obj]);
    if (!batch.objects.includes(obj)) {
      batch.release();
      await Promise.all(batch.inFlight);
      return false;
    }
    await this.persistBatch(batch, target, alias, backendId === undefined);
    return true;
  }

  /**
   * Encodes a value whose unregistered objects must become persistent first. The rare second encoding gives their
   * references the owner hint they got.
   */
  encodeWithRefs(encodeFn: (onObject: EncodeSink) => Uint8Array, callee: string): Uint8Array | Promise<Uint8Array> {
    const pending: DataClayObject[] = [];
    const bytes = encodeFn((o) => {
      if (!o[STATE].registered) pending.push(o);
    });
    return pending.length === 0 ? bytes : this.persistThenEncode(encodeFn, pending, callee);
  }

  private async persistThenEncode(
    encodeFn: (onObject: EncodeSink) => Uint8Array,
    pending: DataClayObject[],
    callee: string,
  ): Promise<Uint8Array> {
    await this.persistBatch(collectUnregistered(pending), this.deps.placement.forReferences(callee));
    await Promise.all(pending.map((o) => claimOf(o))); // those another operation was persisting
    return encodeFn(() => undefined);
  }

  /** `replaceable`: the placement chose `target`, so a batch that never reached it may go to another backend. */
  private async persistBatch(batch: PersistBatch, target: string, alias?: string, replaceable = false): Promise<void> {
    const { local } = this.deps;
    if (batch.objects.length === 0) {
      batch.release();
      await Promise.all(batch.inFlight);
    } else if (local && target === local.backendId) {
      try {
        await local.register(
          batch.objects.filter((o) => !o[STATE].registered),
          this.deps.session(),
          alias,
        );
      } finally {
        batch.release();
      }
      await Promise.all(batch.inFlight);
    } else {
      await this.ship(batch, target, alias, replaceable);
    }
  }

  /**
   * Ships a batch of new objects to `target`, which registers them (and the root's alias). While it is in flight
   * the objects are already remote here (their fields leave; a sync access throws NotLocalError, an operation
   * waits), so nothing written meanwhile can be lost; if it fails they become local again, unchanged. A batch the
   * placement chose a backend for, and that never reached it ("no responders": nobody received it, unlike a timeout),
   * is placed once more, on another live backend.
   */
  private async ship(
    batch: PersistBatch,
    target: string,
    alias: string | undefined,
    replaceable: boolean,
  ): Promise<void> {
    const { placement } = this.deps;
    const session = this.deps.session();
    const fields = batch.objects.map((o) => readFields(o));
    const undo = () => batch.objects.forEach((o, i) => rollback(o, fields[i]));
    const leave = (backendId: string) => batch.objects.forEach((o) => ship(o, backendId, session.dataset));
    leave(target);
    try {
      await Promise.all(batch.inFlight);
      try {
        await this.send(batch, target, alias, session);
      } catch (err) {
        if (!replaceable || !(err instanceof NeverReached)) throw err;
        await placement.unavailable(target);
        const next = await placement.choose([batch.objects[0].className]);
        undo(); // and at once to the new target: nothing runs in between
        leave(next);
        await this.send(batch, next, alias, session);
      }
      for (const o of batch.objects) {
        confirm(o);
        this.deps.identity.add(o);
      }
    } catch (err) {
      undo();
      throw err instanceof NeverReached ? err.cause : err;
    } finally {
      batch.release();
    }
  }

  /**
   * Sends the batch's records to `target`: a graph bigger than one message in several, the root's (with the alias)
   * first; one message's worth without an alias with the other persists of this turn to `target` (persist-batches.ts).
   */
  private async send(
    batch: PersistBatch,
    target: string,
    alias: string | undefined,
    session: RequestContext,
  ): Promise<void> {
    const { requests } = this.deps;
    const chunks = chunkBySize(batch.records, wireRecordSize, requests.batchBudget());
    if (chunks.length === 1 && alias === undefined) {
      try {
        return await this.batches.persist(target, session, chunks[0]);
      } catch (err) {
        throw err instanceof BackendUnavailableError ? new NeverReached(err) : err;
      }
    }
    for (const [i, records] of chunks.entries()) {
      const s = toWire(session);
      try {
        await requests.request(target, 'persist', i === 0 && alias !== undefined ? [s, records, alias] : [s, records]);
      } catch (err) {
        throw i === 0 && err instanceof BackendUnavailableError ? new NeverReached(err) : err;
      }
    }
  }
}

/** The first request of a batch had no responders: no backend holds any part of it. */
class NeverReached extends Error {
  constructor(override readonly cause: BackendUnavailableError) {
    super(cause.message, { cause });
  }
}

// Requests to one backend or to the metadata queue group: typed by the operation registry, sent with the calling
// context's deadline and signal, transport failures mapped to our errors ("no responders" is a backend gone).
import type { NatsConnection } from '@nats-io/transport-node';
import { BackendUnavailableError, NoBackendsError, OutcomeUnknownError, TimeoutError } from '../errors.js';
import { BATCH_OP } from '../messaging/batch.js';
import { batchBudget } from '../messaging/chunks.js';
import { readReply } from '../messaging/envelope.js';
import { ConnectionLost, NoResponders, RequestMux, type RequestOptions } from '../messaging/mux.js';
import { inboxPrefix, Subjects } from '../messaging/subjects.js';
import { type Identity, senderFor } from '../security/identity.js';
import type { RequestContext } from '../object/context.js';
import { withTraceContext } from '../observe/carrier.js';
import { backendOps, type BackendOp, type BackendOps } from '../protocol/backend-ops.js';
import { isUnknownOperation } from '../protocol/handlers.js';
import { metadataOps, type MetadataOp, type MetadataOps } from '../protocol/metadata-ops.js';
import { toWire, type WireSession } from '../protocol/session.js';
import { encode, type EncodeSink, type RefResolver } from '../serialization/codec.js';

/** Names a request's user values in an UnserializableError: `what` they are, `focus` where to search. */
export interface Label {
  what: string;
  focus: unknown;
  /** Names the request in a timeout or abort error (`Person.addYear()`); default: the wire operation. */
  operation?: string;
}

/**
 * Encodes a value whose unregistered objects must become persistent first (they travel by reference only), next to
 * `callee` when the placement allows: the make-persistent unit of work does it.
 */
export type RefEncoder = (
  encodeFn: (onObject: EncodeSink) => Uint8Array,
  callee: string,
) => Uint8Array | Promise<Uint8Array>;

/** How long requests go alone to a backend that refused a batch. */
const ALONE_MS = 60_000;

/** After a reconnect, how long responders get to subscribe again, and how often an idempotent retry asks. */
const RESUBSCRIBE_GRACE_MS = 5_000;
const RESUBSCRIBE_POLL_MS = 100;

export interface RequestsOptions {
  nc: NatsConnection;
  namespace: string;
  timeoutMs: number;
  /** The context requests are made in now. */
  session: () => RequestContext;
  /** Turns references in replies into this process's objects. */
  resolver: RefResolver;
  encodeRefs: RefEncoder;
  /** Who this process sends as: its NATS identity, and whether it is a client or a backend (security/identity.ts). */
  identity: Identity;
}

export class Requests {
  readonly mux: RequestMux;
  readonly subjects: Subjects;
  private readonly nc: NatsConnection;
  /**
   * The backend that answered this process's last request to a backend: metadata requests go to it rather than to
   * the queue group, to a process the caller keeps busy (and warm) instead of one picked at random.
   */
  private home: string | undefined;
  /**
   * Backends of an older build, which do not know batches (messaging/batch.ts), and until when requests go to them
   * alone: one upgraded in place gets batches again after that.
   */
  private readonly alone = new Map<string, number>();

  constructor(private readonly options: RequestsOptions) {
    this.nc = options.nc;
    this.mux = new RequestMux(options.nc, inboxPrefix(options.identity.user));
    this.subjects = new Subjects(
      options.namespace,
      senderFor(options.identity, () => options.session().username),
    );
  }

  /** The current session as a request carries it. */
  wire(): WireSession {
    return toWire(this.options.session());
  }

  /** Bytes of records one batch request may carry. */
  batchBudget(): number {
    return batchBudget(this.nc.info?.max_payload);
  }

  /**
   * Sends an operation to a backend; the reply has the operation's declared type. `context`: the one it is made in
   * (its timeout and signal; on a backend, the user it is sent for), when not the current one.
   */
  async request<K extends BackendOp>(
    backendId: string,
    op: K,
    body: BackendOps[K]['request'],
    label?: Label,
    context?: RequestContext,
  ): Promise<BackendOps[K]['reply']> {
    return this.sendBy(backendId, op, await this.encode(op, body, backendId, label), label?.operation, context);
  }

  /** A request's bytes: an operation whose values may reference objects persists the new ones first. */
  encode<K extends BackendOp>(
    op: K,
    body: BackendOps[K]['request'],
    callee: string,
    label?: Label,
  ): Uint8Array | Promise<Uint8Array> {
    if (!backendOps[op].refs) return encode(body);
    return this.options.encodeRefs((sink) => encode(body, sink, label?.what, label?.focus), callee);
  }

  /** `operation` names what is sent in a timeout or abort error (`Person.addYear()`); default: the operation. */
  send<K extends BackendOp>(
    backendId: string,
    op: K,
    payload: Uint8Array,
    operation?: string,
  ): Promise<BackendOps[K]['reply']> {
    return this.sendBy(backendId, op, payload, operation);
  }

  /** `until`: the deadline (Date.now() ms) of a request sent again, which keeps the first one's. */
  private async sendBy<K extends BackendOp>(
    backendId: string,
    op: K,
    payload: Uint8Array,
    operation: string | undefined,
    context?: RequestContext,
    until?: number,
  ): Promise<BackendOps[K]['reply']> {
    const aloneUntil = this.alone.get(backendId);
    const batched = aloneUntil === undefined || aloneUntil <= Date.now(); // no clock read on the usual path
    const options = withTraceContext(this.deadline(`${operation ?? op} on ${backendId}`, context));
    if (until !== undefined) {
      // sent again: within the first one's deadline, or not at all
      if (until <= Date.now()) throw new TimeoutError(options.operation ?? op, options.timeoutMs);
      options.timeoutMs = until - Date.now();
    }
    options.batch = batched;
    const end = Date.now() + options.timeoutMs;
    try {
      const bytes = await this.exchange(
        this.subjects.backend(backendId, op, context?.username), // a backend sends as the context's user
        payload,
        op,
        backendOps[op].idempotent,
        options,
      );
      this.home = backendId;
      return readReply<BackendOps[K]['reply']>(bytes, this.options.resolver);
    } catch (err) {
      if (batched && isUnknownOperation(err, BATCH_OP)) {
        // an older build: it ran none of the batch, each member is sent again alone
        this.alone.set(backendId, Date.now() + ALONE_MS);
        return this.sendBy(backendId, op, payload, operation, context, end);
      }
      // gone, or too slow to answer: not the one to ask metadata
      if (this.home === backendId && (err instanceof NoResponders || err instanceof TimeoutError))
        this.home = undefined;
      if (err instanceof NoResponders) throw new BackendUnavailableError(backendId, { cause: err });
      throw err;
    }
  }

  /** To the backend last called (`home`), else to the queue group: every backend answers metadata requests. */
  async metadata<K extends MetadataOp>(op: K, body: MetadataOps[K]['request']): Promise<MetadataOps[K]['reply']> {
    const home = this.home;
    const payload = encode(body);
    try {
      // one message, as a queue group's members would each get some of the parts
      const options = withTraceContext(this.deadline(`metadata ${op}`));
      options.single = true;
      const subject = home === undefined ? this.subjects.metadata(op) : this.subjects.metadataAt(home, op);
      const bytes = await this.exchange(subject, payload, op, metadataOps[op].idempotent, options);
      return readReply<MetadataOps[K]['reply']>(bytes);
    } catch (err) {
      if (home !== undefined && err instanceof TimeoutError && this.home === home) this.home = undefined;
      if (!(err instanceof NoResponders)) throw err;
      if (home === undefined) throw new NoBackendsError({ cause: err });
      // that backend is gone (nobody received the request): the queue group answers, from now on too
      if (this.home === home) this.home = undefined;
      return this.metadata(op, body);
    }
  }

  /**
   * One request and its reply. A reply lost with the connection (ConnectionLost) is asked for again once, after the
   * reconnect and within the same deadline, when the operation is idempotent; otherwise the outcome is unknown.
   * `options`: this request's own (deadline() makes them), marked here: never a shared object.
   */
  private exchange(
    subject: string,
    payload: Uint8Array,
    op: string,
    idempotent: boolean,
    options: RequestOptions,
  ): Promise<Uint8Array> {
    const end = Date.now() + options.timeoutMs;
    // sent again if a NATS server leaves the cluster meanwhile (mux.ts)
    options.idempotent = idempotent;
    // no async frame of its own on the way of every request: only a lost connection takes the slow path
    return this.mux.request(subject, payload, options).catch((err: unknown) => {
      if (!(err instanceof ConnectionLost)) throw err;
      if (!idempotent) throw new OutcomeUnknownError(op, { cause: err });
      return this.again(subject, payload, op, options, end);
    });
  }

  /** After a lost connection, an idempotent request once more, within the same deadline (`end`). */
  private async again(
    subject: string,
    payload: Uint8Array,
    op: string,
    options: RequestOptions,
    end: number,
  ): Promise<Uint8Array> {
    await this.mux.whenConnected(`request on ${subject}`, end - Date.now(), options.signal);
    // the responders reconnect too: "no responders" for a while after ours means nothing was delivered, ask again
    const graceEnd = Math.min(end, Date.now() + RESUBSCRIBE_GRACE_MS);
    for (;;) {
      try {
        return await this.mux.request(subject, payload, { ...options, timeoutMs: Math.max(1, end - Date.now()) });
      } catch (err) {
        if (err instanceof ConnectionLost) throw new OutcomeUnknownError(op, { cause: err, idempotent: true });
        if (!(err instanceof NoResponders) || Date.now() + RESUBSCRIBE_POLL_MS > graceEnd) throw err;
        await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_POLL_MS));
      }
    }
  }

  /** The timeout a request made now gets: the context's (the current one by default), else this process's default. */
  deadline(operation?: string, ctx: RequestContext = this.options.session()): RequestOptions {
    return { timeoutMs: ctx.timeoutMs ?? this.options.timeoutMs, signal: ctx.signal, operation };
  }

  /** Fails the requests still waiting, and any made later; the connection itself is its owner's. */
  close(): void {
    this.mux.close();
  }
}

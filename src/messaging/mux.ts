// Request/reply multiplexer: one wildcard reply subscription per connection, an integer id per request and one
// sweeping timer, instead of nats.js's per-request inbox machinery (measured ~2x the throughput; see
// docs/architecture.md). Timeouts, AbortSignal, "no responders" and a publish the server refused (permissions) all
// end a request with a typed error. Replies come to the caller's own inbox prefix, `_INBOX.<user>`: the only
// replies a user may subscribe to on a secured server.
import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  PermissionViolationError,
  type Subscription,
} from '@nats-io/transport-node';
import {
  AbortedError,
  ConnectionClosedError,
  DataClayError,
  PayloadTooLargeError,
  PermissionDeniedError,
  TimeoutError,
} from '../errors.js';
import { AbortWatch } from './abort-watch.js';
import { encodeBatch, MEMBER_MAX_BYTES, readBatchReply } from './batch.js';
import { BatchQueue, type Queued } from './batch-queue.js';
import { fetchRest, requestInParts } from './part-transfer.js';
import { PARTS } from './parts.js';

/** Nobody subscribes to the subject: the caller maps it (backend gone, no backends at all). */
export class NoResponders extends Error {
  // what kv-errors.ts's isNoResponders knows it by (nats.js's own classes carry theirs the same way)
  override readonly name = 'NoResponders';
  constructor(readonly subject: string) {
    super(`no responders on ${subject}`);
  }
}

/** The connection dropped while the request waited: it may have reached its responder or not. */
export class ConnectionLost extends Error {
  constructor(readonly subject: string) {
    super(`the connection to NATS was lost while waiting for a reply on ${subject}`);
  }
}

export interface RequestOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Sent with the request: the trace context (observe/carrier.ts). */
  headers?: MsgHdrs;
  /** What the request does, for a timeout or abort error (`Person.addYear() on backend-1`); default: its subject. */
  operation?: string;
  /** One message or PayloadTooLargeError: a queue group's members would each get some of the parts. */
  single?: boolean;
  /**
   * Safe to deliver twice (a read): sent again when a NATS server leaves the cluster while it waits, since the
   * request or its reply may have been lost with that server. The first reply answers it.
   */
  idempotent?: boolean;
  /**
   * The responder is one of our backends (rpc.ts serve): the request may share a message with others to that
   * backend made in the same microtask checkpoint (batch.ts).
   */
  batch?: boolean;
}

interface Pending {
  /** With the whole message (requestMsg) or its data. */
  resolve: (reply: Uint8Array | Msg) => void;
  whole: boolean;
  reject: (err: Error) => void;
  deadline: number;
  subject: string;
  operation: string | undefined;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  /** Publishes the request again (idempotent requests of one message only). */
  resend?: () => void;
  /** Sent again since a server left: "no responders" then means a responder still reconnecting. */
  resent?: boolean;
  /** The batch it went in (batch.ts), whose publish the server may refuse as a whole. */
  batch?: Batch;
}

/** A batch sent: its subject, and the ids of its members. */
interface Batch {
  subject: string;
  ids: number[];
}

const SWEEP_MS = 25;
/** A request sent again after a server left, and told "no responders": asked again after this long. */
const RESEND_PAUSE_MS = 100;

export class RequestMux {
  private readonly prefix: string;
  private readonly pending = new Map<number, Pending>();
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private readonly aborts = new AbortWatch((signal, ids) => {
    for (const id of ids) {
      const p = this.settle(id);
      if (p) p.reject(new AbortedError(operationOf(p), { cause: signal.reason }));
    }
  });
  /** Batches whose replies may still come, by their reply token's number. */
  private readonly batches = new Map<number, Batch>();
  /** Requests to go in batches at the end of this microtask checkpoint. */
  private readonly queued = new BatchQueue(
    (to, members) => this.publishBatch(to, members),
    () => this.nc.info?.max_payload,
    (id) => this.pending.has(id),
  );
  private seq = 0;
  private closed = false;
  /** Why every request fails from now on, when it is not that the connection closed. */
  private broken: Error | undefined;
  /** Resolves when the connection is back; undefined while connected. */
  private reconnected: { promise: Promise<void>; resolve: () => void } | undefined;
  /** The cluster's servers as the connected server last advertised them (its INFO's connect_urls). */
  private servers: Set<string>;

  /** `inboxPrefix`: the caller's, `_INBOX.<user>` (subjects.ts inboxPrefix). */
  constructor(
    private readonly nc: NatsConnection,
    inboxPrefix: string,
  ) {
    this.prefix = `${createInbox(inboxPrefix)}.`;
    this.subscription = nc.subscribe(`${this.prefix}*`, {
      callback: (err, msg) => (err ? this.refused(err) : this.onReply(msg)),
    });
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS).unref();
    this.servers = advertised(nc);
    void this.watchStatus();
  }

  /** `headers`: the parts of a large message (parts.ts), or a JetStream publish's expectations (metadata/kv-fast.ts). */
  request(subject: string, payload: Uint8Array, options: RequestOptions, headers?: MsgHdrs): Promise<Uint8Array> {
    return this.send(subject, payload, options, headers, false);
  }

  /** One message each way, answered with the whole reply (its headers and status too: a JetStream direct get's). */
  requestMsg(subject: string, payload: Uint8Array, options: Omit<RequestOptions, 'single'>): Promise<Msg> {
    return this.send(subject, payload, { ...options, single: true }, undefined, true);
  }

  private send(
    subject: string,
    payload: Uint8Array,
    options: RequestOptions,
    headers: MsgHdrs | undefined,
    whole: true,
  ): Promise<Msg>;
  private send(
    subject: string,
    payload: Uint8Array,
    options: RequestOptions,
    headers: MsgHdrs | undefined,
    whole: false,
  ): Promise<Uint8Array>;
  private send(
    subject: string,
    payload: Uint8Array,
    options: RequestOptions,
    headers: MsgHdrs | undefined,
    whole: boolean,
  ): Promise<Uint8Array | Msg> {
    if (this.closed) return Promise.reject(this.broken ?? new ConnectionClosedError());
    const max = this.nc.info?.max_payload;
    if (max !== undefined && payload.length > max) {
      if (options.single) return Promise.reject(new PayloadTooLargeError(subject, payload.length, max));
      return requestInParts((s, part, h) => this.request(s, part, options, h), subject, payload, max);
    }
    const { signal, operation } = options;
    if (signal?.aborted) return Promise.reject(new AbortedError(operation ?? subject, { cause: signal.reason }));
    const id = ++this.seq;
    return new Promise<Uint8Array | Msg>((resolve, reject) => {
      const deadline = Date.now() + options.timeoutMs;
      const p: Pending = { resolve, reject, deadline, subject, operation, timeoutMs: options.timeoutMs, signal, whole };
      if (signal) this.aborts.add(signal, id);
      this.pending.set(id, p);
      const publish = () =>
        this.nc.publish(subject, payload, {
          reply: `${this.prefix}${id}`,
          headers: withTrace(headers, options.headers),
        });
      if (options.idempotent && !headers) p.resend = publish; // a part of a large message is never sent again
      // one request alone goes at once (a sequential caller waits for nothing); one made while others wait, at the
      // end of the checkpoint, with the others made in it
      if (options.batch && this.pending.size > 1 && mayShare(payload, headers, options.headers, whole)) {
        this.queued.add(subject, id, payload);
        return;
      }
      if (!this.queued.empty) this.queued.flush(); // what was asked first is published first
      try {
        publish();
      } catch (err) {
        this.settle(id);
        reject(new ConnectionClosedError({ cause: err })); // publish throws only on a closed or draining connection
      }
    });
  }

  /** Publishes members of a batch: one alone as it is, more as one message. */
  private publishBatch(to: string, members: Queued[]): void {
    if (members.length === 1) {
      this.publishAlone(members[0]);
      return;
    }
    const token = ++this.seq;
    try {
      this.nc.publish(to, encodeBatch(members), { reply: `${this.prefix}b${token}` });
    } catch {
      // closed or draining, or a batch the connection refused (larger than its max_payload): each goes alone
      for (const m of members) this.publishAlone(m);
      return;
    }
    const batch: Batch = { subject: to, ids: members.map((m) => m.id) };
    this.batches.set(token, batch);
    for (const id of batch.ids) this.pending.get(id)!.batch = batch;
  }

  private publishAlone(member: Queued): void {
    try {
      this.nc.publish(member.subject, member.payload, { reply: `${this.prefix}${member.id}` });
    } catch (err) {
      this.settle(member.id)?.reject(new ConnectionClosedError({ cause: err })); // only a closed or draining one throws
    }
  }

  /** Fails every request still waiting (the connection is going away), and any made later. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
    this.failAll(new ConnectionClosedError());
  }

  /**
   * Resolves once the connection is up (at once when it is), or rejects with TimeoutError after `timeoutMs`, or
   * AbortedError when `signal` fires.
   */
  whenConnected(what: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (!this.reconnected) return Promise.resolve();
    const back = this.reconnected.promise;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => finish(() => reject(new AbortedError(what, { cause: signal!.reason })));
      const timer = setTimeout(() => finish(() => reject(new TimeoutError(what, timeoutMs))), Math.max(0, timeoutMs));
      const finish = (then: () => void) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        then();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      back.then(() => finish(resolve));
    });
  }

  /**
   * A disconnect loses every reply still to come (the server forgets our subscription with the socket): requests
   * waiting then fail at once with ConnectionLost instead of waiting out their timeout; those made while
   * disconnected are buffered by nats.js and sent on reconnect. nats-server answers a publish it refuses with one
   * error per message, in order, and keeps the connection: the oldest request still waiting on that subject is the
   * refused one (as nats.js's own request() decides).
   */
  private async watchStatus(): Promise<void> {
    await this.followStatus();
    // the connection closed by itself (its owner closes the mux first): nothing still waiting can be answered
    if (!this.closed) this.failAll(new ConnectionClosedError());
  }

  private async followStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (this.closed) return;
      if (status.type === 'disconnect') this.disconnected();
      if (status.type === 'reconnect') {
        this.reconnected?.resolve();
        this.reconnected = undefined;
        this.servers = advertised(this.nc); // another server's view: nothing to compare with
      }
      if (status.type === 'update') this.clusterChanged();
      if (status.type !== 'error') continue;
      const err = status.error;
      if (!(err instanceof PermissionViolationError) || err.operation !== 'publish') continue;
      for (const [id, p] of this.pending) {
        if ((p.batch?.subject ?? p.subject) !== err.subject) continue;
        for (const refused of p.batch?.ids ?? [id]) this.settle(refused)?.reject(denied(err.subject, err));
        break;
      }
    }
  }

  /** Our inbox subscription was refused (an inbox prefix that is not the user's): no reply can ever come. */
  private refused(err: Error): void {
    if (!(err instanceof PermissionViolationError)) {
      this.failAll(err);
      return;
    }
    this.closed = true;
    clearInterval(this.sweeper);
    const reason = `the NATS server refused the subscription to ${this.prefix}* (inboxPrefix must be _INBOX.<user>)`;
    this.broken = new PermissionDeniedError('receiving replies', reason, {}, { cause: err });
    this.failAll(this.broken);
  }

  /**
   * The connected server told us the cluster changed. When a server left it (it died, or its routes broke), a
   * request that went through it, or whose responder was connected to it, gets no reply: idempotent requests still
   * waiting are sent again at once instead of waiting out their timeout; the others wait, as their outcome is unknown.
   */
  private clusterChanged(): void {
    const now = advertised(this.nc);
    const left = [...this.servers].some((url) => !now.has(url));
    this.servers = now;
    if (!left) return;
    for (const p of this.pending.values()) {
      if (!p.resend) continue;
      p.resent = true;
      try {
        p.resend();
      } catch {
        // closing: the request fails with the connection
      }
    }
  }

  private disconnected(): void {
    if (!this.reconnected) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.reconnected = { promise, resolve };
    }
    // those still queued were never published: nats.js buffers them for the reconnect when their turn comes
    const unsent = this.queued.ids();
    for (const [id, p] of [...this.pending])
      if (!unsent.has(id)) this.settle(id)?.reject(new ConnectionLost(p.subject));
  }

  private failAll(cause: unknown): void {
    for (const id of [...this.pending.keys()]) {
      this.settle(id)?.reject(cause instanceof DataClayError ? cause : new ConnectionClosedError({ cause }));
    }
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    if (p.signal) this.aborts.remove(p.signal, id);
    return p;
  }

  private onReply(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length);
    if (token.startsWith('b')) {
      this.onBatchReply(Number(token.slice(1)), msg);
      return;
    }
    const id = Number(token);
    const noResponders = isNoResponders(msg);
    const waiting = this.pending.get(id);
    if (noResponders && waiting?.resent) {
      // sent again because a server left: its responder may be reconnecting to another one, ask once more shortly
      setTimeout(() => this.pending.get(id)?.resend?.(), RESEND_PAUSE_MS).unref();
      return;
    }
    const p = this.settle(id);
    if (!p) return; // late reply to a request that timed out
    const parts = msg.headers?.get(PARTS);
    if (noResponders) p.reject(new NoResponders(p.subject));
    else if (parts && !p.whole) this.fetchRest(p, msg.data, parts);
    else p.resolve(p.whole ? msg : msg.data);
  }

  /**
   * Replies to members of a batch, or one answer for all of them: "no responders", or an error the backend answered
   * the batch with as a whole (an older build does not know the operation: each member gets it, and its caller knows
   * what to do).
   */
  private onBatchReply(token: number, msg: Msg): void {
    const batch = this.batches.get(token);
    if (!batch) return; // every member has been answered, or has timed out
    const replies = readBatchReply(msg.data);
    if (!replies) {
      this.batches.delete(token);
      const noResponders = isNoResponders(msg);
      for (const id of batch.ids) {
        // sent again alone since a server left: its own reply (or "no responders") answers it
        if (noResponders && this.pending.get(id)?.resent) continue;
        const p = this.settle(id);
        if (p) noResponders ? p.reject(new NoResponders(p.subject)) : p.resolve(msg.data);
      }
      return;
    }
    for (const [id, bytes] of replies) {
      if (this.pending.get(id)?.batch === batch) this.settle(id)!.resolve(bytes);
    }
    if (!batch.ids.some((id) => this.pending.has(id))) this.batches.delete(token);
  }

  /** A reply too large for one message came as its first part: the others are fetched from the same subject. */
  private fetchRest(p: Pending, first: Uint8Array, parts: string): void {
    const options = { timeoutMs: p.timeoutMs, signal: p.signal, operation: p.operation };
    fetchRest((s, data, h) => this.request(s, data, options, h), p.subject, first, parts).then(p.resolve, p.reject);
  }

  private sweep(): void {
    // a batch whose members all ended otherwise (timed out, or answered alone) waits for nothing
    for (const [token, batch] of this.batches) {
      if (!batch.ids.some((id) => this.pending.has(id))) this.batches.delete(token);
    }
    if (this.pending.size === 0) return;
    const now = Date.now();
    for (const [id, p] of this.pending) {
      if (p.deadline <= now) this.settle(id)?.reject(new TimeoutError(operationOf(p), p.timeoutMs));
    }
  }
}

/** nats-server's status reply: nobody subscribes to the subject the request went to. */
function isNoResponders(msg: Msg): boolean {
  return msg.data.length === 0 && msg.headers?.code === 503;
}

/** A request that may go in a batch: small, without headers of its own (batch.ts), answered with its data alone. */
function mayShare(payload: Uint8Array, part: MsgHdrs | undefined, trace: MsgHdrs | undefined, whole: boolean): boolean {
  return payload.length <= MEMBER_MAX_BYTES && !part && !trace && !whole;
}

/** The client URLs the connected server advertises for its cluster (none for a lone server, or with no_advertise). */
function advertised(nc: NatsConnection): Set<string> {
  return new Set(nc.info?.connect_urls ?? []);
}

function operationOf(p: Pending): string {
  return p.operation ?? `request on ${p.subject}`;
}

function denied(subject: string, cause: Error): PermissionDeniedError {
  return new PermissionDeniedError(subject, 'the NATS server refused this user to publish there', {}, { cause });
}

/** The headers a message goes with: a part's own (parts.ts) carry the trace context too. */
function withTrace(part: MsgHdrs | undefined, trace: MsgHdrs | undefined): MsgHdrs | undefined {
  if (!part || !trace) return part ?? trace;
  for (const key of trace.keys()) part.set(key, trace.get(key));
  return part;
}

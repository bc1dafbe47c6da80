// Datasets as access boundaries, checked by every backend on every request with the user its subject names
// (docs/security.md): the operation's demands (access.ts) against the grants every backend holds in memory.
import { GrantsUnavailableError, PermissionDeniedError } from '../errors.js';
import type { Grants, Level } from '../metadata/grants.js';
import type { Incoming } from '../messaging/subjects.js';
import type { RequestContext } from '../object/context.js';
import { findClassInfo } from '../object/registry.js';
import type { Authorize } from '../protocol/handlers.js';
import type { OpTypes } from '../protocol/operation.js';
import type { Demand, Demands, ObjectDemand } from './access.js';
import { detached } from '../serialization/strings.js';

/**
 * `strict`: only datasets an admin created, per their grants. `open`: a dataset nobody created is open to every
 * user (a dev cluster's convenience); created ones are boundaries. `off`: no checks (an open NATS server, where
 * nothing could confirm who asks).
 */
export type DatasetPolicy = 'strict' | 'open' | 'off';

/** What a backend records of an object, which never changes once it is registered. */
export interface ObjectFacts {
  dataset: string;
  className: string;
}

const CACHE_LIMIT = 100_000;

export class DatasetAuthorizer {
  private readonly facts = new Map<string, ObjectFacts>();

  /**
   * `lookup`: the object's record (undefined: unknown). `unregistered`: what this backend holds in memory of an
   * object the record does not know yet (a registration in flight), checked but never cached, since that
   * registration may still be refused; with neither, the object is unknown here and the operation answers for it.
   */
  constructor(
    private readonly grants: Grants,
    private readonly policy: 'strict' | 'open',
    private readonly lookup: (id: string) => Promise<ObjectFacts | undefined>,
    private readonly unregistered: (id: string) => ObjectFacts | undefined = () => undefined,
  ) {}

  /** The check for one table of operations; admins' operations (their space) need no grant. */
  for<M extends Record<keyof M, OpTypes>>(demands: Demands<M>): Authorize<M> {
    return (op, request, ctx: RequestContext, incoming: Incoming) => {
      if (incoming.space === 'a') return;
      const wanted = demands[op](request);
      if (wanted.length === 0) return;
      this.assertCurrent(op);
      return this.checkAll(op, incoming.user, wanted, ctx);
    };
  }

  /**
   * Objects that become persistent on this backend outside a `persist` request (built by an active method, found in
   * the state it leaves) land in the session's dataset: the calling user needs `rw` there, whatever the dataset of
   * the object the method runs on. On a nested call the user is the original caller (the `b` space vouches for it).
   */
  assertCreate(user: string, dataset: string): void {
    this.assertCurrent('create');
    this.check('create', user, dataset, 'rw');
  }

  /**
   * Whether the user may change objects of `dataset` (what a recursive move or replication carries along beyond the
   * objects it names, which the request's own check covered): false refuses nothing, the caller leaves those out.
   */
  mayWrite(user: string, dataset: string): boolean {
    this.assertCurrent('write');
    return this.allows(user, dataset, 'rw');
  }

  /** Answering from grants that may be stale would be a silent grant: refuse until they are known current. */
  private assertCurrent(op: string): void {
    const broken = this.grants.unavailable();
    if (broken !== undefined) throw new GrantsUnavailableError(op, broken);
  }

  private checkAll(op: string, user: string, wanted: Demand[], ctx: RequestContext): void | Promise<void> {
    const later: Promise<void>[] = [];
    for (const demand of wanted) {
      if ('dataset' in demand) this.check(op, user, demand.dataset, demand.level);
      else {
        const known = this.facts.get(demand.object);
        if (known) this.checkObject(op, user, known, demand);
        else later.push(this.fetch(demand.object).then((f) => this.checkFetched(op, user, f, demand, ctx)));
      }
    }
    if (later.length > 0) return Promise.all(later).then(() => undefined);
  }

  /** Facts read for the check; none: the object is unknown for the rest of the request (context.ts `unknown`). */
  private checkFetched(
    op: string,
    user: string,
    facts: ObjectFacts | undefined,
    demand: ObjectDemand,
    ctx: RequestContext,
  ) {
    if (facts) this.checkObject(op, user, facts, demand);
    else {
      ctx.unknown ??= new Set();
      ctx.unknown.add(demand.object);
    }
  }

  private checkObject(op: string, user: string, facts: ObjectFacts, demand: ObjectDemand): void {
    const readOnly =
      demand.method !== undefined && findClassInfo(facts.className)?.methods.get(demand.method)?.readonly;
    this.check(op, user, facts.dataset, readOnly ? 'r' : demand.level);
  }

  private allows(user: string, dataset: string, level: Level): boolean {
    return (
      (this.policy === 'open' && this.grants.dataset(dataset) === undefined) || this.grants.may(user, dataset, level)
    );
  }

  private check(op: string, user: string, dataset: string, level: Level): void {
    if (this.allows(user, dataset, level)) return;
    const needs = level === 'rw' ? 'read-write' : 'read';
    throw new PermissionDeniedError(op, `${user} has no ${needs} access to dataset ${dataset}`, { user, dataset });
  }

  /**
   * What this backend itself just made the metadata say of an object (its registration here, acknowledged): the
   * next request for it here is checked without a read. Never a local record's word: a record can exist before its
   * metadata, and stay when that create is refused (another dataset's object of the same id).
   */
  learn(id: string, facts: ObjectFacts): void {
    this.remember(id, facts);
  }

  private async fetch(id: string): Promise<ObjectFacts | undefined> {
    const facts = await this.lookup(id);
    if (!facts) return this.unregistered(id);
    this.remember(id, facts);
    return facts;
  }

  private remember(id: string, facts: ObjectFacts): void {
    if (this.facts.size >= CACHE_LIMIT) this.facts.clear();
    // a key already cached stays (Map.set keeps it): only a new one is copied out of its message (every persist)
    this.facts.set(this.facts.has(id) ? id : detached(id), facts);
  }
}

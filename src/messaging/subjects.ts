// The subject scheme (docs/security.md): dc.<ns>.<space>.<user>.be.<backendId>.<op> to one backend and
// dc.<ns>.<space>.<user>.md.<op> to any backend (queue group), or dc.<ns>.<space>.<user>.be.<backendId>.md.<op> to
// one backend's metadata service. The space says who sends (u a user, a an admin, b a
// backend on behalf of <user>); nats-server lets each identity publish only under its own prefix, so a backend reads
// the caller from the subject.
import { InvalidOptionError } from '../errors.js';

const TOKEN = /^[A-Za-z0-9_-]+$/;

export const METADATA_QUEUE = 'dc-md';

/** u: a user's own requests; a: an admin's operator requests; b: a backend's, on behalf of the user named. */
export type Space = 'u' | 'a' | 'b';

/** Who sends: the space of each operation, and the user token 3 names (looked up per request). */
export interface Sender {
  space(op: string): Space;
  /** `session`: the user of the context a request is made in, when not the current one (a backend's subjects). */
  user(session?: string): string;
}

/** A request's subject, read: who sent it, to whom, which operation. */
export interface Incoming {
  space: Space;
  user: string;
  /** The backend addressed; undefined for a metadata request (any backend). */
  backendId?: string;
  op: string;
}

export function assertToken(kind: string, value: string): string {
  if (!TOKEN.test(value)) throw new InvalidOptionError(kind, value, `a name matching ${TOKEN}`);
  return value;
}

export class Subjects {
  constructor(
    readonly namespace: string,
    private readonly sender: Sender,
  ) {
    assertToken('namespace', namespace);
  }

  /** `sessionUser`: see Sender.user. */
  backend(backendId: string, op: string, sessionUser?: string): string {
    return `dc.${this.namespace}.${this.sender.space(op)}.${this.sender.user(sessionUser)}.be.${backendId}.${op}`;
  }

  metadata(op: string): string {
    return `dc.${this.namespace}.${this.sender.space(op)}.${this.sender.user()}.md.${op}`;
  }

  /**
   * A metadata request addressed to one backend, which answers it as the queue group would: the same operations and
   * checks, from a process the caller keeps warm (docs/architecture.md, "Metadata to the backend last called").
   */
  metadataAt(backendId: string, op: string): string {
    return `dc.${this.namespace}.${this.sender.space(op)}.${this.sender.user()}.be.${backendId}.md.${op}`;
  }

  /** What a backend subscribes to for itself: every space, every user. */
  backendAll(backendId: string): string {
    return `dc.${this.namespace}.*.*.be.${assertToken('backendId', backendId)}.*`;
  }

  /** The metadata requests addressed to this backend (metadataAt). */
  metadataAtAll(backendId: string): string {
    return `dc.${this.namespace}.*.*.be.${assertToken('backendId', backendId)}.md.>`;
  }

  /** What every backend subscribes to, in the queue group METADATA_QUEUE. */
  metadataAll(): string {
    return `dc.${this.namespace}.*.*.md.>`;
  }
}

/**
 * `derive` remembered per subject: a process sees the same few subjects again and again (its callers' operations,
 * its backends'), each worked out once, not per request. Bounded: one making up subjects only refills it.
 * `derive` must be a pure function of the subject, and what it returns is shared (read-only).
 */
export function perSubject<T>(derive: (subject: string) => T): (subject: string) => T {
  const known = new Map<string, T>();
  return (subject) => {
    const hit = known.get(subject);
    if (hit !== undefined) return hit;
    const derived = derive(subject);
    if (known.size >= SUBJECTS_KEPT) known.clear(); // a bound, not an eviction policy: rarely reached
    known.set(subject, derived);
    return derived;
  };
}

const SUBJECTS_KEPT = 4096;

/**
 * Reads dc.<ns>.<space>.<user>.be.<id>.<op>, dc.<ns>.<space>.<user>.md.<op...> and a metadata request addressed to
 * one backend, dc.<ns>.<space>.<user>.be.<id>.md.<op...>; undefined for anything else.
 */
export const parseSubject: (subject: string) => Readonly<Incoming> | undefined = perSubject(splitSubject);

function splitSubject(subject: string): Incoming | undefined {
  const t = subject.split('.');
  if (t.length < 6 || t[0] !== 'dc') return undefined;
  const space = t[2];
  if (space !== 'u' && space !== 'a' && space !== 'b') return undefined;
  if (t[4] === 'be' && t.length === 7) return { space, user: t[3], backendId: t[5], op: t[6] };
  // a metadata request addressed to one backend (metadataAt): a metadata request, whoever answers it
  if (t[4] === 'be' && t[6] === 'md' && t.length > 7) return { space, user: t[3], op: t.slice(7).join('.') };
  if (t[4] === 'md') return { space, user: t[3], op: t.slice(5).join('.') }; // alias.get keeps its dot
  return undefined;
}

/**
 * May a backend answer on `reply`? nats-server checks what a client publishes, never the reply subject it names:
 * without this check a user could have a backend write its answer into KV, another user's inbox or a backend-only
 * subject. A user's or admin's reply goes to its own inbox; a backend's to an inbox (only backends publish on b).
 */
export function replyAllowed(incoming: Incoming, reply: string | undefined): boolean {
  if (!reply) return false;
  if (incoming.space === 'b') return reply.startsWith('_INBOX.');
  return reply.startsWith(`_INBOX.${incoming.user}.`);
}

/** The nats.js `inboxPrefix` of an identity: the only replies it may subscribe to. */
export function inboxPrefix(user: string): string {
  return `_INBOX.${assertToken('user', user)}`;
}

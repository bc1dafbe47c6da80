// Who a process is on NATS, and how requests name it: a client sends as its NATS identity, in the user space (u) or,
// for operator operations, the admin space (a); a backend sends in the backend space (b) on behalf of the user whose
// request it is serving. nats-server confines each identity to its own prefix (security/permissions.ts).
import { InvalidOptionError } from '../errors.js';
import type { NatsSettings } from '../messaging/connect-options.js';
import { natsIdentity } from '../messaging/nats-identity.js';
import { assertToken, type Sender, type Space } from '../messaging/subjects.js';
import { backendOps } from '../protocol/backend-ops.js';
import { metadataOps } from '../protocol/metadata-ops.js';
import type { AnyOperation } from '../protocol/operation.js';

/** The default dataClay username, and so the dev cluster's admin. */
export const DEFAULT_USERNAME = 'admin';

export interface Identity {
  side: 'client' | 'backend';
  /** The NATS user name (or nkey public key): token 3 of the subjects this process sends on its own behalf. */
  user: string;
}

/**
 * A client's username: its NATS identity when the connection has one (another `username` is refused: it could only
 * be a claim the server would deny), else the `username` option (open mode). Always a subject token.
 */
export function clientIdentity(settings: NatsSettings, username: string | undefined): string {
  const nats = natsIdentity(settings);
  if (nats !== undefined && username !== undefined && username !== nats) {
    throw new InvalidOptionError('username', username, `unset or the NATS user (${nats}): they are one identity`);
  }
  return assertToken('username', nats ?? username ?? DEFAULT_USERNAME);
}

const ops: Readonly<Record<string, AnyOperation>> = { ...backendOps, ...metadataOps };

/** A client sends an operation in the user space if users may call it, else in the admin space. */
function clientSpace(op: string): Space {
  const roles = ops[op]?.roles ?? [];
  return roles.includes('client') || !roles.includes('admin') ? 'u' : 'a';
}

/** How a runtime names itself in subjects; `sessionUser` is the user of the request being served (backends). */
export function senderFor(identity: Identity, sessionUser: () => string): Sender {
  if (identity.side === 'client') {
    const user = assertToken('username', identity.user);
    return { space: clientSpace, user: () => user };
  }
  return { space: () => 'b', user: (session) => assertToken('username', session ?? sessionUser()) };
}

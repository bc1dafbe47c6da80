// The `authorization` block of a nats-server config: one account, one user per identity, each with its role's
// permissions. Every string is written as a JSON string, so no name, password or subject can be misread.
import { assertToken } from '../messaging/subjects.js';
import type { Role } from '../protocol/operation.js';
import { type Permissions, permissionsFor } from './permissions.js';

/** One identity: a user with a password, or an nkey user (then its name is the public key). */
export interface NatsUser {
  role: Role;
  name: string;
  /** Plain text (only in a 0600 dev config) or a bcrypt hash. */
  password?: string;
  /** The public key (U...) of an nkey user. */
  nkey?: string;
  /** A backend user that serves only this backend. */
  backendId?: string;
}

export function authorizationBlock(users: readonly NatsUser[], namespaces: readonly string[]): string {
  const lines = users.map((u) => {
    assertToken('user', u.name); // a user called `*` or `a.>` would widen its own permissions over everyone's
    const perms = render(permissionsFor(u.role, u.name, namespaces, { backendId: u.backendId }));
    const who = u.nkey ? `nkey: ${q(u.nkey)}` : `user: ${q(u.name)}, password: ${q(u.password ?? '')}`;
    return `    { ${who}, permissions: ${perms} }`;
  });
  return `authorization {\n  timeout: 2\n  users: [\n${lines.join('\n')}\n  ]\n}`;
}

function q(value: string): string {
  return JSON.stringify(value);
}

function render(p: Permissions): string {
  const list = (subjects: string[]) => `[${subjects.map(q).join(', ')}]`;
  return `{ publish: { allow: ${list(p.publish.allow)} }, subscribe: { allow: ${list(p.subscribe.allow)} } }`;
}

/** One server's place in a cluster: its name, its route port, every route (its own included) and their login. */
export interface ClusterMember {
  cluster: string;
  server: string;
  host: string;
  port: number;
  routes: readonly number[];
  user: string;
  password: string;
}

/**
 * The `cluster` block: routes are authenticated too (a server that cannot log in cannot join and see every
 * message), and each server names itself, which JetStream's clustering needs.
 */
export function clusterBlock(m: ClusterMember): string {
  const login = `${encodeURIComponent(m.user)}:${encodeURIComponent(m.password)}`;
  const routes = m.routes.map((port) => q(`nats-route://${login}@${m.host}:${port}`));
  return [
    `server_name: ${q(m.server)}`,
    'cluster {',
    `  name: ${q(m.cluster)}`,
    `  listen: ${q(`${m.host}:${m.port}`)}`,
    `  authorization { user: ${q(m.user)}, password: ${q(m.password)}, timeout: 2 }`,
    `  routes: [${routes.join(', ')}]`,
    '}',
  ].join('\n');
}

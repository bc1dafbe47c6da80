// The identities of a secured dev cluster: an admin, client users, one NATS user per backend and a spare backend
// user (for backends started by hand), with random passwords kept in 0600 files in the cluster's directory.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidOptionError } from '../errors.js';
import { assertToken, inboxPrefix } from '../messaging/subjects.js';
import type { Role } from '../protocol/operation.js';
import type { NatsUser } from '../security/server-config.js';
import { newPassword } from '../security/user-admin.js';

export interface DevIdentity {
  user: string;
  pass: string;
  role: Role;
  /** A backend's own user serves only that backend. */
  backendId?: string;
}

export interface DevIdentities {
  admin: { user: string; pass?: string };
  clients: readonly string[];
  backendIds: readonly string[];
}

/** The shared backend identity, for backends started next to the cluster's own. */
export const SPARE_BACKEND_USER = 'backend';

export class DevCredentials {
  private constructor(
    readonly dir: string,
    private readonly identities: Map<string, DevIdentity>,
  ) {}

  /** Makes the identities and writes `<dir>/<user>.password` and `<dir>/creds.json`, all 0600, in a 0700 dir. */
  static create(dir: string, spec: DevIdentities): DevCredentials {
    const all: DevIdentity[] = [
      { user: spec.admin.user, pass: spec.admin.pass ?? newPassword(), role: 'admin' },
      ...spec.clients.map((user): DevIdentity => ({ user, pass: newPassword(), role: 'client' })),
      { user: SPARE_BACKEND_USER, pass: newPassword(), role: 'backend' },
      ...spec.backendIds.map((id): DevIdentity => ({ user: id, pass: newPassword(), role: 'backend', backendId: id })),
    ];
    const identities = new Map<string, DevIdentity>();
    for (const identity of all) {
      assertToken('user', identity.user);
      if (identities.has(identity.user)) {
        throw new InvalidOptionError('users', identity.user, 'names used once (admin, clients, backend ids)');
      }
      identities.set(identity.user, identity);
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const made = new DevCredentials(dir, identities);
    for (const { user } of all) made.writePassword(user);
    made.writeCreds();
    return made;
  }

  /** Records an identity added to the server since (DevCluster.addUser), or its new password. */
  set(identity: DevIdentity): void {
    this.identities.set(identity.user, identity);
    this.writePassword(identity.user);
    this.writeCreds();
  }

  /** Forgets a removed identity, and its files' entries. */
  delete(user: string): void {
    this.identities.delete(this.identity(user).user);
    rmSync(path.join(this.dir, `${user}.password`), { force: true });
    this.writeCreds();
  }

  private writePassword(user: string): void {
    writeFileSync(path.join(this.dir, `${user}.password`), `${this.identity(user).pass}\n`, { mode: 0o600 });
  }

  private writeCreds(): void {
    const creds: Record<string, { user: string; pass: string; role: Role; inboxPrefix: string }> = {};
    for (const { user, pass, role } of this.identities.values()) {
      creds[user] = { user, pass, role, inboxPrefix: inboxPrefix(user) };
    }
    writeFileSync(this.file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  }

  /** Every identity, as the server config lists it (plain-text passwords: the config file is 0600). */
  get users(): NatsUser[] {
    return [...this.identities.values()].map(({ user, pass, role, backendId }) => ({
      role,
      name: user,
      password: pass,
      ...(backendId !== undefined && { backendId }),
    }));
  }

  /** `{ user: { user, pass, role, inboxPrefix } }` for every identity. */
  get file(): string {
    return path.join(this.dir, 'creds.json');
  }

  identity(user: string): DevIdentity {
    const found = this.identities.get(user);
    if (!found) throw new InvalidOptionError('user', user, `one of ${[...this.identities.keys()].join(', ')}`);
    return found;
  }

  passwordFile(user: string): string {
    return path.join(this.dir, `${this.identity(user).user}.password`);
  }
}

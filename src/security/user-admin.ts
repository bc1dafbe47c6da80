// User management on a nats-server's users file (users-file.ts): add, remove, change a password, list. Passwords
// are stored as bcrypt hashes, which nats-server verifies itself; a password is given (from a file or stdin, never
// argv) or generated, and only the caller sees it.
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { InvalidOptionError, UserExistsError, UserNotFoundError } from '../errors.js';
import { assertToken } from '../messaging/subjects.js';
import type { Role } from '../protocol/operation.js';
import type { NatsUser } from './server-config.js';
import type { UsersDocument, UsersFile } from './users-file.js';

/** bcrypt's cost for people's passwords: about 0.1 s per check on the server, once per connection. */
export const BCRYPT_COST = 11;
const MIN_PASSWORD = 8;
const ROLES: readonly Role[] = ['client', 'admin', 'backend'];

export function newPassword(): string {
  return randomBytes(18).toString('base64url');
}

export interface PasswordOptions {
  /** Default: a new random one. */
  password?: string;
  /** bcrypt cost, 4-31 (default 11). */
  cost?: number;
}

export interface AddUserOptions extends PasswordOptions {
  /** Default `client`. */
  role?: Role;
  /** A backend user that serves only this backend id. */
  backendId?: string;
}

export interface UserSummary {
  name: string;
  role: Role;
  /** How it authenticates: a bcrypt hash, a plain-text password (a dev cluster's own identities), an nkey. */
  credential: 'bcrypt' | 'plain' | 'nkey';
  backendId?: string;
}

export class UserAdmin {
  /** `reload`: makes the running server read the users again (a signal, or the dev cluster's wait for it). */
  constructor(
    readonly file: UsersFile,
    private readonly reload: () => void | Promise<void>,
  ) {}

  /** Adds a user and returns its password. */
  async add(name: string, options: AddUserOptions = {}): Promise<string> {
    assertToken('user', name);
    const role = options.role ?? 'client';
    if (!ROLES.includes(role)) throw new InvalidOptionError('role', role, ROLES.join(', '));
    if (options.backendId !== undefined) assertToken('backendId', options.backendId);
    if (options.backendId !== undefined && role !== 'backend') {
      throw new InvalidOptionError('backendId', options.backendId, 'given only for a backend user');
    }
    const password = checkedPassword(options.password);
    const hash = await hashPassword(password, options.cost);
    await this.file.update((doc) => {
      if (doc.users.some((u) => u.name === name)) throw new UserExistsError(name);
      const user: NatsUser = { role, name, password: hash };
      doc.users.push(options.backendId === undefined ? user : { ...user, backendId: options.backendId });
    });
    await this.reload();
    return password;
  }

  /** A new password (the old one stops working at the reload); returns it. */
  async passwd(name: string, options: PasswordOptions = {}): Promise<string> {
    const password = checkedPassword(options.password);
    const hash = await hashPassword(password, options.cost);
    await this.file.update((doc) => {
      const user = find(doc, name);
      if (user.nkey !== undefined) throw new InvalidOptionError('user', name, 'a user with a password, not an nkey');
      user.password = hash;
    });
    await this.reload();
    return password;
  }

  /** Removes a user: the server closes its connections at the reload. Its grants stay (revoke them). */
  async remove(name: string): Promise<void> {
    await this.file.update((doc) => {
      const user = find(doc, name);
      if (user.role === 'admin' && doc.users.filter((u) => u.role === 'admin').length === 1) {
        throw new InvalidOptionError('user', name, 'not the last admin (nobody could administer the cluster)');
      }
      doc.users = doc.users.filter((u) => u !== user);
    });
    await this.reload();
  }

  list(): UserSummary[] {
    return this.file
      .read()
      .users.map((u) => ({
        name: u.name,
        role: u.role,
        credential: credentialOf(u),
        ...(u.backendId !== undefined && { backendId: u.backendId }),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }
}

export function hashPassword(password: string, cost = BCRYPT_COST): Promise<string> {
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new InvalidOptionError('cost', cost, 'from 4 to 31');
  return bcrypt.hash(password, cost);
}

function checkedPassword(given: string | undefined): string {
  if (given === undefined) return newPassword();
  // a secret's value is never shown, not even in the error
  if (given.length < MIN_PASSWORD) {
    throw new InvalidOptionError('password', '(hidden)', `at least ${MIN_PASSWORD} characters`);
  }
  if (/[\r\n]/.test(given)) throw new InvalidOptionError('password', '(hidden)', 'one line');
  return given;
}

function find(doc: UsersDocument, name: string): NatsUser {
  const user = doc.users.find((u) => u.name === name);
  if (!user) throw new UserNotFoundError(name);
  return user;
}

function credentialOf(user: NatsUser): UserSummary['credential'] {
  if (user.nkey !== undefined) return 'nkey';
  return /^\$2[abxy]\$\d\d\$/.test(user.password ?? '') ? 'bcrypt' : 'plain';
}

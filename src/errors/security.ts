// Errors of access control: grants a backend cannot vouch for, and the users of a nats-server (dataclay ctl user).
import { DataClayError } from './base.js';

/**
 * A backend cannot be sure its grants are current (its watch of the grants bucket broke, stalled, or the bucket is
 * unreachable), so it refuses what needs a grant instead of answering from a stale picture. Retry later.
 */
export class GrantsUnavailableError extends DataClayError<{ operation: string; backendId?: string }> {
  constructor(operation: string, reason: string, backendId?: string, options?: ErrorOptions) {
    super(
      `${operation} refused: the grants are not known to be current (${reason}); retry`,
      { operation, backendId },
      options,
    );
  }
}

/** `dataclay ctl user add` of a name the server already has. */
export class UserExistsError extends DataClayError<{ user: string }> {
  constructor(user: string, options?: ErrorOptions) {
    super(`user ${user} exists already`, { user }, options);
  }
}

/** `dataclay ctl user passwd|remove` of a name the server does not have. */
export class UserNotFoundError extends DataClayError<{ user: string }> {
  constructor(user: string, options?: ErrorOptions) {
    super(`no user ${user}`, { user }, options);
  }
}

/** The users file of a nats-server cannot be read, written or reloaded (no access, missing, malformed). */
export class UsersFileError extends DataClayError<{ file: string }> {
  constructor(file: string, reason: string, options?: ErrorOptions) {
    super(`${file}: ${reason}`, { file }, options);
  }
}

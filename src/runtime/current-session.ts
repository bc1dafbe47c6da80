// The caller's session as seen by code running now (an active method on a backend sees its remote caller's).
import type { Session } from '../object/context.js';
import { currentRuntime } from '../object/runtime-slot.js';

export function currentSession(): Session {
  const { username, dataset } = currentRuntime().session();
  return { username, dataset };
}

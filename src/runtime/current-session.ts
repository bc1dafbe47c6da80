// The caller's session as seen by code running now (an active method on a backend sees its remote caller's).
import { currentRuntime } from '../object/runtime-slot.js';
import type { Runtime } from './runtime.js';
import type { Session } from './session.js';

export function currentSession(): Session {
  const { username, dataset } = (currentRuntime() as unknown as Runtime).session();
  return { username, dataset };
}

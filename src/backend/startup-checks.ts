// What a backend checks before it serves: which id its storage belongs to, and that no live backend has that id.
import { randomUUID } from 'node:crypto';
import { BackendUnavailableError, DuplicateBackendError, StorageOwnerError, TimeoutError } from '../errors.js';
import { assertToken } from '../messaging/subjects.js';
import type { BackendOptions } from './backend.js';
import type { BackendRuntime } from './backend-runtime.js';
import type { ObjectStore } from './object-store.js';

/** How long a starting backend waits for a backend with its id to answer. */
const DUPLICATE_PING_MS = 3_000;

/** The id kept in the storage wins; an explicit one must agree with it. */
export async function resolveId(
  objects: ObjectStore,
  options: Pick<BackendOptions, 'id' | 'storage'>,
): Promise<string> {
  const stored = objects.backendId;
  if (options.id !== undefined && stored !== undefined && options.id !== stored) {
    throw new StorageOwnerError(options.storage, stored, options.id);
  }
  const id = assertToken('backendId', options.id ?? stored ?? randomUUID());
  if (stored === undefined) await objects.setBackendId(id);
  return id;
}

/**
 * Two live backends with one id would split its requests between them: the second one refuses to start. A ping
 * that nobody answers in time (a passive subscriber on `>` takes the message, so there is no "no responders")
 * counts as a live duplicate only if that id's heartbeat is still fresh.
 */
export async function refuseDuplicate(runtime: BackendRuntime, id: string): Promise<void> {
  const ping = () => runtime.requests.request(id, 'ping', [runtime.requests.wire()]);
  const answer = await runtime.runtime.run({ timeoutMs: DUPLICATE_PING_MS }, ping).then(
    () => true,
    async (err) => {
      if (err instanceof BackendUnavailableError) return false;
      if (err instanceof TimeoutError) return (await runtime.store.listBackends()).some((b) => b.id === id);
      throw err;
    },
  );
  if (answer) throw new DuplicateBackendError(id);
}

// What JetStream's KV refusals mean, by their error codes.

/** JetStream's "wrong last sequence" (10071): the key exists (create) or changed (conditional write or delete). */
export function isWrongSequence(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10071 || /wrong last sequence/i.test(String(e?.message));
}

export function isKeyExists(err: unknown): boolean {
  return isWrongSequence(err) || /key exists/i.test(String((err as Error)?.message));
}

/** The JetStream API error code of a JetStreamApiError (or a subclass: StreamNotFoundError...), else undefined. */
export function apiCode(err: unknown): unknown {
  const e = err as { code?: unknown; apiError?: unknown; api_error?: { err_code?: number } } | undefined;
  return e?.api_error?.err_code ?? (typeof e?.apiError === 'function' ? e.code : undefined);
}

/**
 * Nobody answered: no stream leader subscribes to the subject now (@nats-io/jetstream reports a publish that met no
 * responders as JetStreamNotEnabled, a direct get as a RequestError). Nothing was done.
 */
export function isNoResponders(err: unknown): boolean {
  const e = err as { name?: string; cause?: { name?: string } } | undefined;
  if (e?.name === 'JetStreamNotEnabled') return e.cause?.name === 'RequestError';
  return e?.name === 'NoResponders' || (e?.name === 'RequestError' && e.cause?.name === 'NoResponders');
}

/** No answer in time: the request may have been done or not. */
export function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; cause?: { name?: string } } | undefined;
  return e?.name === 'TimeoutError' || (e?.name === 'RequestError' && e.cause?.name === 'TimeoutError');
}

// What JetStream's KV refusals mean, by their error codes.

/** JetStream's "wrong last sequence" (10071): the key exists (create) or changed (conditional write or delete). */
export function isWrongSequence(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10071 || /wrong last sequence/i.test(String(e?.message));
}

export function isKeyExists(err: unknown): boolean {
  return isWrongSequence(err) || /key exists/i.test(String((err as Error)?.message));
}

// What an object id may be: a UUID, as this library makes them, or any other short token of letters, digits, '_'
// and '-'. Ids travel inside NATS subjects and KV keys, where a '.', '*', '>' or a space would name other keys (a
// wildcard get answers the bucket's latest record, whoever's it is) or no valid subject at all.
const OBJECT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** What the errors of a bad id say it must be. */
export const OBJECT_ID_RULE = "an object id: 1 to 128 of the characters A-Z a-z 0-9 '_' '-'";

export function isObjectId(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID.test(value);
}

/**
 * A reference's backend hint: none, or a backend id (a subject token, as messaging/subjects.ts requires; its own
 * rule, since serialization/ may not import messaging/).
 */
export function isBackendHint(value: unknown): value is string | null {
  return value === null || (typeof value === 'string' && /^[A-Za-z0-9_-]+$/.test(value));
}

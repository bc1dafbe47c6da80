// An encoded state's fingerprint, compared after every request to find the objects it changed (write-through.ts):
// equal fingerprints mean an unchanged object, so nothing to write. A small state is its own fingerprint, kept as a
// copy: comparing bytes costs less than hashing them (a SHA-1 was ~1.5 µs of every ~30 µs call on a backend), and
// the common case, a call that changed nothing, then allocates nothing. A larger one is its SHA-1.
import { hash } from 'node:crypto';

/** States up to this many bytes are kept whole (at most this much per loaded object, beside its fields). */
const KEPT_WHOLE = 256;

export type Digest = string | Uint8Array;

export function digestOf(stateBytes: Uint8Array): Digest {
  // a copy: the bytes are often a view of a buffer the encoder or the store reuses (a Buffer's slice() is a view too)
  return stateBytes.length <= KEPT_WHOLE ? new Uint8Array(stateBytes) : hash('sha1', stateBytes, 'base64');
}

/** Whether `stateBytes` is the state `digest` was taken of. */
export function hasDigest(stateBytes: Uint8Array, digest: Digest | undefined): boolean {
  if (digest === undefined) return false;
  if (typeof digest !== 'string') return Buffer.compare(stateBytes, digest) === 0;
  return stateBytes.length > KEPT_WHOLE && hash('sha1', stateBytes, 'base64') === digest;
}

/**
 * The digest of `stateBytes` when it is not the state `known` was taken of, else undefined (unchanged): the commit of
 * every request asks this, so a large state is hashed once, and a small one copied only when it changed.
 */
export function changedDigest(stateBytes: Uint8Array, known: Digest | undefined): Digest | undefined {
  if (stateBytes.length <= KEPT_WHOLE) return hasDigest(stateBytes, known) ? undefined : new Uint8Array(stateBytes);
  const digest = hash('sha1', stateBytes, 'base64');
  return digest === known ? undefined : digest;
}

// Listing object records a page at a time: one watch from the cursor's stream sequence reads the records in
// batches (the server pushes them), instead of one KV read per key. With one value per key kept (history 1), every
// message from the cursor on is a current record or a delete marker.
import type { KV } from '@nats-io/kv';
import { InvalidOptionError, TimeoutError } from '../errors.js';
import { decode } from '../serialization/codec.js';
import type { ObjectMetadata } from './types.js';

/** Records in one page at most, and records read for one page at most (a narrow filter ends a page early). */
export const PAGE_MAX = 1_000;
const SCAN_MAX = 5_000;
/** The watch pushes at once; this long without a record means the stream is away. */
const IDLE_MS = 10_000;

export interface ObjectFilter {
  backendId?: string;
  dataset?: string;
  className?: string;
}

export interface ObjectPage {
  objects: ObjectMetadata[];
  /** Where the next page starts; absent on the last one. */
  cursor?: string;
}

/**
 * The records matching `filter` from `cursor` on, at most `limit`; consolidated versions (their id forwards to the
 * original) are not objects of their own and are left out. A record changed while a listing runs moves to the end
 * of the stream, so it may be listed twice, but a record that exists throughout is listed.
 */
export async function listObjectPage(
  kv: KV,
  filter: ObjectFilter,
  limit = PAGE_MAX,
  cursor?: string,
): Promise<ObjectPage> {
  const from = cursor === undefined ? 1 : Number(cursor);
  if (!Number.isSafeInteger(from) || from < 1)
    throw new InvalidOptionError('cursor', String(cursor), 'a cursor of a page');
  const max = Math.max(1, Math.min(limit, PAGE_MAX));
  const last = (await kv.status()).streamInfo.state.last_seq;
  if (from > last) return { objects: [] };
  const watch = await kv.watch({ resumeFromRevision: from });
  let idle = setTimeout(() => watch.stop(), IDLE_MS);
  const objects: ObjectMetadata[] = [];
  let scanned = 0;
  try {
    for await (const entry of watch) {
      clearTimeout(idle);
      idle = setTimeout(() => watch.stop(), IDLE_MS);
      scanned++;
      if (entry.operation === 'PUT') {
        const md = decode<ObjectMetadata>(entry.value);
        if (md.forward === undefined && matches(md, filter)) objects.push(md);
      }
      // the end of the stream as it was when the page began: later records are the next listing's
      if (entry.delta === 0 || entry.revision >= last) return { objects };
      if (objects.length >= max || scanned >= SCAN_MAX) return { objects, cursor: String(entry.revision + 1) };
    }
  } finally {
    clearTimeout(idle);
    watch.stop();
  }
  throw new TimeoutError('listing objects', IDLE_MS);
}

function matches(md: ObjectMetadata, filter: ObjectFilter): boolean {
  return (
    (filter.backendId === undefined || md.master === filter.backendId) &&
    (filter.dataset === undefined || md.dataset === filter.dataset) &&
    (filter.className === undefined || md.className === filter.className)
  );
}

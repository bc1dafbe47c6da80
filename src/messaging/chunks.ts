// Batches of object records bigger than one NATS message (max_payload) go as several requests, in order.

/**
 * Splits `items` into consecutive chunks whose estimated size stays under `budget` bytes (one item at least), of at
 * most `most` items.
 */
export function chunkBySize<T>(items: T[], sizeOf: (item: T) => number, budget: number, most = Infinity): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const s = sizeOf(item) + 32; // msgpack headers of a record
    if (current.length > 0 && (size + s > budget || current.length === most)) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += s;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** What a batch request may weigh: a margin under the server's max_payload for the envelope and session. */
export function batchBudget(maxPayload: number | undefined): number {
  return Math.floor((maxPayload ?? 1024 * 1024) * 0.8);
}

/** The encoded size of a transfer record, near enough: its strings and its state bytes. */
export function recordSize(record: readonly [string, string, string, Uint8Array, ...unknown[]]): number {
  return record[0].length + record[1].length + record[2].length + record[3].length;
}

/** The encoded size of a new object's record (a persist's), near enough: its id, class name and state bytes. */
export function wireRecordSize(record: readonly [string, string, Uint8Array]): number {
  return record[0].length + record[1].length + record[2].length;
}

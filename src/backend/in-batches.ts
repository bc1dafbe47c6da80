// Work over many items with a few requests in flight at once: enough to overlap the round trips, few enough not to
// flood one backend or the metadata with a burst.

/** Runs `work` on every item, at most `inFlight` at once, in order as places free up; resolves when all have. */
export async function inBatches<T>(
  items: readonly T[],
  work: (item: T) => Promise<unknown>,
  inFlight = 8,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

// Retention's deletes, a batch at a time, so other writers are never held up for long.

/** Rows deleted per batch: each batch holds SQLite's write lock for a few milliseconds. */
export const PRUNE_BATCH = 500;

/**
 * Runs `drop` (one statement) on successive batches of at most `batchSize` ids that `next` finds, until a batch comes
 * back short, pausing after each as long as it took. Returns how many went.
 */
export async function pruneInBatches(
  next: (limit: number) => Promise<string[]>,
  drop: (ids: string[]) => Promise<void>,
  batchSize = PRUNE_BATCH,
): Promise<number> {
  let pruned = 0;
  for (;;) {
    const ids = await next(batchSize);
    if (ids.length === 0) break;
    const started = performance.now();
    await drop(ids);
    pruned += ids.length;
    if (ids.length < batchSize) break;
    // As long again without the write lock: a writer waiting for it finds it free half the time, rather than never.
    await new Promise((resolve) => setTimeout(resolve, Math.max(2, performance.now() - started)));
  }
  return pruned;
}

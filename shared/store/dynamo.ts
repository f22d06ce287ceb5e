// DynamoDB batch calls may leave part of a batch unprocessed under load; these helpers chunk
// the work and retry what is left with backoff.

export function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

const MAX_ATTEMPTS = 8;

/** Calls `send` with what is still pending until nothing is left; `send` returns the leftovers. */
export async function untilProcessed<T>(initial: T[], send: (pending: T[]) => Promise<T[]>): Promise<void> {
  let pending = initial;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt === MAX_ATTEMPTS) throw new Error(`DynamoDB left ${pending.length} items unprocessed after ${MAX_ATTEMPTS} attempts`);
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
    pending = await send(pending);
  }
}

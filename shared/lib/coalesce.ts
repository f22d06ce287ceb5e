// Group commit for long-running servers (the SMTP door on Fargate): many sessions accept mail at
// once, and each would otherwise pay its own DynamoDB and SQS round trips. Work handed in while
// a flush is running waits and goes out together in the next flush, so under load one call
// carries many submissions, and with no load nothing waits (no timers). A full batch goes at
// once while fewer than `maxInFlight` flushes run; a partial one only when none runs, since a
// second half-empty call would cost a request (its SDK and HTTP CPU) that waiting saves.
// Lambda handlers never use this: a Lambda container serves one request at a time.

export interface CoalesceOptions {
  /** Most units (by `sizeOf`) one flush takes; a single larger unit still goes, alone. */
  maxBatch: number;
  /** Flushes of full batches running at once; a partial batch waits until no flush runs. */
  maxInFlight: number;
}

interface Waiting<T, R> {
  unit: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Returns `submit(unit)`, which resolves with the unit's result (flush returns one per unit, in
 * order) once the flush that carried it succeeded, or rejects with that flush's error: every unit
 * of a failed flush fails, none is left half-known.
 */
export function coalesce<T, R = void>(
  flush: (units: T[]) => Promise<R[]> | Promise<void>,
  options: CoalesceOptions,
  sizeOf: (unit: T) => number = () => 1,
) {
  const queue: Waiting<T, R>[] = [];
  let inFlight = 0;

  /** Whether the queue holds a full batch: units up to maxBatch, or one that alone is as large. */
  function fullBatchWaiting() {
    let size = 0;
    for (const waiting of queue) {
      size += sizeOf(waiting.unit);
      if (size >= options.maxBatch) return true;
    }
    return false;
  }

  function next() {
    while (inFlight < options.maxInFlight && queue.length > 0 && (inFlight === 0 || fullBatchWaiting())) {
      const batch: Waiting<T, R>[] = [];
      let size = 0;
      while (queue.length > 0 && (batch.length === 0 || size + sizeOf(queue[0].unit) <= options.maxBatch)) {
        size += sizeOf(queue[0].unit);
        batch.push(queue.shift()!);
      }
      inFlight++;
      flush(batch.map((w) => w.unit))
        .then(
          (results) => {
            for (const [i, w] of batch.entries()) w.resolve((results ?? [])[i] as R);
          },
          (error) => {
            for (const w of batch) w.reject(error);
          },
        )
        .finally(() => {
          inFlight--;
          next();
        });
    }
  }

  return (unit: T) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ unit, resolve, reject });
      next();
    });
}

// The accept path's one write: a submission's body item (when small), its messages and their
// unsubscribe tickets go to DynamoDB together, in one BatchWriteItem when they fit (the usual
// single message). Each repository adds its items to the unit of work; the accept path commits
// it once. `first` items (the body) are written before or with the others, never after: no
// message may exist without its body.
import { coalesce } from "../lib/coalesce.ts";
import { BATCH_WRITE_MAX, putAll, type Item, type Table } from "./dynamo.ts";

export interface UnitOfWork {
  /** Items that must be stored before or with everything else. */
  first(...items: Item[]): void;
  add(...items: Item[]): void;
  /** Writes everything; resolves once all of it is stored. */
  commit(): Promise<void>;
}

interface Records {
  first: Item[];
  items: Item[];
}

export interface UnitOfWorkOptions {
  /** Group commit across concurrent submissions (shared/lib/coalesce.ts): only for long-running servers. */
  coalesce?: boolean;
}

export function makeUnitsOfWork(table: Table, options: UnitOfWorkOptions = {}) {
  /** One call when everything fits in one batch; otherwise the first items, then the rest. */
  async function write(units: Records[]) {
    const first = units.flatMap((u) => u.first);
    const items = units.flatMap((u) => u.items);
    if (first.length + items.length <= BATCH_WRITE_MAX) return putAll(table, [...first, ...items]);
    await putAll(table, first);
    await putAll(table, items);
  }
  // Concurrent SMTP sessions share BatchWriteItem calls under load; Lambda handlers never do.
  const commit = options.coalesce
    ? coalesce<Records>(write, { maxBatch: BATCH_WRITE_MAX, maxInFlight: 4 }, (u) => u.first.length + u.items.length)
    : (records: Records) => write([records]);

  return {
    begin(): UnitOfWork {
      const records: Records = { first: [], items: [] };
      return {
        first: (...items) => void records.first.push(...items),
        add: (...items) => void records.items.push(...items),
        commit: () => commit(records),
      };
    },
  };
}

export type UnitsOfWork = ReturnType<typeof makeUnitsOfWork>;

// The single table's keys and indexes, in one place: the CDK stack and the local runtime both
// create the table from this description.
import { GSI_ACCOUNT_LOG, GSI_PENDING, GSI_REPORTS } from "./keys.ts";

type AttributeType = "S" | "N";
interface KeyAttribute {
  name: string;
  type: AttributeType;
}

export interface TableSchema {
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  globalSecondaryIndexes: { indexName: string; partitionKey: KeyAttribute; sortKey: KeyAttribute; projection: "KEYS_ONLY" }[];
  ttlAttribute: string;
}

export const TABLE_SCHEMA: TableSchema = {
  partitionKey: { name: "pk", type: "S" },
  sortKey: { name: "sk", type: "S" },
  globalSecondaryIndexes: [
    // Keys only: an index entry is written when a message is created and when its index keys
    // change, never for the status updates in between (with ALL, every update of a message was
    // also a write to both indexes: 7 of the 14 write units a message cost). Readers of an
    // index fetch the items they need by key.
    // The logs: every message of an account by creation time, spread over LOG_SHARDS
    // partitions so one busy account is not one hot partition.
    {
      indexName: GSI_ACCOUNT_LOG,
      partitionKey: { name: "logShard", type: "S" },
      sortKey: { name: "logKey", type: "S" },
      projection: "KEYS_ONLY",
    },
    // Unread delivery reports: a message is here from its first final status until a reader
    // takes its report (or it expires).
    {
      indexName: GSI_REPORTS,
      partitionKey: { name: "reportShard", type: "S" },
      sortKey: { name: "reportKey", type: "S" },
      projection: "KEYS_ONLY",
    },
    {
      indexName: GSI_PENDING,
      partitionKey: { name: "pendingShard", type: "S" },
      sortKey: { name: "dueAt", type: "N" },
      projection: "KEYS_ONLY",
    },
  ],
  ttlAttribute: "expiresAt",
};

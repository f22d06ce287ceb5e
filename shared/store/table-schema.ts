// The single table's keys and indexes, in one place: the CDK stack and the local runtime both
// create the table from this description.
import { GSI_ACCOUNT_MESSAGES, GSI_PENDING } from "./keys.ts";

type AttributeType = "S" | "N";
interface KeyAttribute {
  name: string;
  type: AttributeType;
}

export interface TableSchema {
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  globalSecondaryIndexes: { indexName: string; partitionKey: KeyAttribute; sortKey: KeyAttribute }[];
  ttlAttribute: string;
}

export const TABLE_SCHEMA: TableSchema = {
  partitionKey: { name: "pk", type: "S" },
  sortKey: { name: "sk", type: "S" },
  globalSecondaryIndexes: [
    { indexName: GSI_ACCOUNT_MESSAGES, partitionKey: { name: "accountId", type: "S" }, sortKey: { name: "messageId", type: "S" } },
    { indexName: GSI_PENDING, partitionKey: { name: "pendingShard", type: "S" }, sortKey: { name: "dueAt", type: "N" } },
  ],
  ttlAttribute: "expiresAt",
};

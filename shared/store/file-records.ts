// Attachment file records: whose a file in S3 is (docs/http-api.md, files). A record is written
// only after its object, so a record never points at a missing object; it ends a day before
// the object does, so a file attached at the last moment still has a day for delivery retries.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Caller } from "../domain/account.ts";
import type { FileRecord } from "../domain/file.ts";
import { batchGet, putAll } from "./dynamo.ts";
import { isLive, keys } from "./keys.ts";

/** S3 keeps files/ for 7 days (cdk/constructs/storage.ts); a record ends a day earlier. */
export const FILE_RECORD_DAYS = 6;

const isFileId = (id: string) => /^[\w-]{10,80}$/.test(id);

export function makeFileRecordStore(ddb: DynamoDBDocumentClient, tableName: string) {
  const table = { ddb, tableName };
  return {
    put: (records: FileRecord[]) =>
      putAll(
        table,
        records.map((record) => ({ ...keys.fileRecord(record.accountId, record.fileId), ...record })),
      ),

    /** The caller's own live files by id, in order; undefined where an id is unknown, expired or another tenant's. */
    async resolve(caller: Caller, ids: string[], now = Date.now()): Promise<(FileRecord | undefined)[]> {
      const wanted = [...new Set(ids.filter(isFileId))];
      const items = await batchGet(
        table,
        wanted.map((id) => keys.fileRecord(caller.accountId, id)),
        { consistent: true },
      );
      const found = new Map(items.map((item) => [item.fileId as string, item as unknown as FileRecord]));
      return ids.map((id) => {
        const record = found.get(id);
        const ownProject = !caller.projectId || !record?.projectId || record.projectId === caller.projectId;
        return record && isLive(record, now) && ownProject ? record : undefined;
      });
    },
  };
}

export type FileRecordStore = ReturnType<typeof makeFileRecordStore>;

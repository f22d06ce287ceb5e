// Attachment files (SPEC §3, §10): uploaded with POST /files/files or taken from an SMTP message,
// stored once in S3 under files/<accountId>/<fileId> with a record that says whose they are.
// The delivery worker reads them back through the AttachmentRef kept in the stored body.
import { randomBytes } from "node:crypto";
import { PutObjectCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { AppError } from "../domain/errors.ts";
import { newId } from "../domain/ids.ts";

import { chunk, untilProcessed } from "../store/dynamo.ts";
import { epochSeconds, isLive } from "../store/keys.ts";
import type { Caller } from "../domain/account.ts";
import type { AttachmentRef } from "../domain/body.ts";
import { ATTACHMENT_BYTES, UPLOAD_CATEGORIES, attachmentProblem, type FileRecord, type NewFile } from "../domain/file.ts";


export const fileKey = (accountId: string, fileId: string) => `files/${accountId}/${fileId}`;
// Kept in the account's partition, so another account's id is simply not found.
const recordKey = (accountId: string, fileId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: `FILE#${fileId}` });

/** S3 keeps files/ for 7 days (cdk/constructs/storage.ts); a record ends a day earlier, so a file
 *  attached at the last moment still has a day for delivery retries. */
export const FILE_RECORD_DAYS = 6;
/** publicUrl is a presigned GET; on AWS it cannot outlive the signing role's session anyway. */
export const PUBLIC_URL_SECONDS = 3600;

const fileId = () => `${newId()}${randomBytes(2).toString("hex")}`;
const isFileId = (id: string) => /^[\w-]{10,80}$/.test(id);

const toRef = (record: FileRecord): AttachmentRef => ({
  fileId: record.fileId,
  filename: record.filename,
  contentType: record.contentType,
  size: record.size,
  key: record.key,
});

/** RFC 6266 / 5987: the download keeps its name, whatever its characters. */
const contentDisposition = (filename: string) =>
  `attachment; filename="${filename.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(filename)}`;

export function makeFileStore(clients: { s3: S3Client; ddb: DynamoDBDocumentClient }, names: { bucketName: string; tableName: string }) {
  const { s3, ddb } = clients;

  async function putRecords(records: FileRecord[]) {
    await Promise.all(
      chunk(records, 25).map((batch) =>
        untilProcessed(
          batch.map((record) => ({ PutRequest: { Item: { ...recordKey(record.accountId, record.fileId), ...record } } })),
          async (requests) => {
            const result = await ddb.send(new BatchWriteCommand({ RequestItems: { [names.tableName]: requests } }));
            return (result.UnprocessedItems?.[names.tableName] ?? []) as typeof requests;
          },
        ),
      ),
    );
  }

  return {
    /** Stores files in S3, then their records: a record never points at a missing object. */
    async putMany(caller: Caller, files: NewFile[], now = Date.now()): Promise<FileRecord[]> {
      if (files.length === 0) return [];
      const records = await Promise.all(
        files.map(async (file) => {
          const id = fileId();
          const key = fileKey(caller.accountId, id);
          await s3.send(
            new PutObjectCommand({
              Bucket: names.bucketName,
              Key: key,
              Body: file.content,
              ContentType: file.contentType,
              ContentDisposition: contentDisposition(file.filename),
            }),
          );
          const record: FileRecord = {
            fileId: id,
            accountId: caller.accountId,
            projectId: caller.projectId,
            filename: file.filename,
            contentType: file.contentType,
            size: file.content.length,
            key,
            createdAt: now,
            expiresAt: epochSeconds(now) + FILE_RECORD_DAYS * 86400,
          };
          return record;
        }),
      );
      await putRecords(records);
      return records;
    },

    /** The caller's own live files by id, in order; undefined where an id is unknown, expired or another tenant's. */
    async resolve(caller: Caller, ids: string[], now = Date.now()): Promise<(FileRecord | undefined)[]> {
      const wanted = [...new Set(ids.filter(isFileId))];
      const found = new Map<string, FileRecord>();
      await Promise.all(
        chunk(wanted, 100).map((batch) =>
          untilProcessed(
            batch.map((id) => recordKey(caller.accountId, id) as Record<string, unknown>),
            async (keys) => {
              const result = await ddb.send(new BatchGetCommand({ RequestItems: { [names.tableName]: { Keys: keys, ConsistentRead: true } } }));
              for (const item of result.Responses?.[names.tableName] ?? []) found.set(item.fileId, item as FileRecord);
              return result.UnprocessedKeys?.[names.tableName]?.Keys ?? [];
            },
          ),
        ),
      );
      return ids.map((id) => {
        const record = found.get(id);
        const ownProject = !caller.projectId || !record?.projectId || record.projectId === caller.projectId;
        return record && isLive(record, now) && ownProject ? record : undefined;
      });
    },

    publicUrl(record: FileRecord, seconds = PUBLIC_URL_SECONDS): Promise<string> {
      return getSignedUrl(s3, new GetObjectCommand({ Bucket: names.bucketName, Key: record.key }), { expiresIn: seconds });
    },

    toRef,
  };
}

export type FileStore = ReturnType<typeof makeFileStore>;

export interface Upload {
  category: string | undefined;
  file: NewFile | undefined;
}

/** POST /files/files: checks the category, the type and the size, then stores the file. */
export async function uploadFile(files: FileStore, caller: Caller, upload: Upload, maxBytes = ATTACHMENT_BYTES) {
  if (!UPLOAD_CATEGORIES.includes(upload.category as (typeof UPLOAD_CATEGORIES)[number])) {
    throw new AppError("validation_error", {
      message: `category must be one of ${UPLOAD_CATEGORIES.join(", ")}`,
      reasons: [{ key: upload.category ? "invalid_category" : "required", ref: "category" }],
    });
  }
  if (!upload.file) {
    throw new AppError("validation_error", { message: "A multipart part named file is required", reasons: [{ key: "required", ref: "file" }] });
  }
  const problem = attachmentProblem({ filename: upload.file.filename, size: upload.file.content.length, contentType: upload.file.contentType }, maxBytes);
  if (problem?.key === "attachment_type_not_allowed") {
    throw new AppError("validation_error", { message: `Not allowed attachment type ${problem.extension}`, reasons: [{ key: problem.key, ref: "file" }] });
  }
  if (problem?.key === "attachment_too_large") {
    throw new AppError("payload_too_large", { message: `A file may have at most ${problem.limit} bytes`, reasons: [{ key: problem.key, ref: "file" }] });
  }
  const [record] = await files.putMany(caller, [upload.file]);
  return { fileId: record.fileId, publicUrl: await files.publicUrl(record) };
}

/**
 * AttachmentsIds of the send API (SPEC §2): every id must name a live file of the caller's own
 * account, and the files with the body must fit the message size limit.
 */
export async function attachmentsByIds(
  files: FileStore,
  caller: Caller,
  ids: string[],
  body: { subject: string; html?: string; text?: string },
  messageBytes: number,
): Promise<AttachmentRef[]> {
  const records = await files.resolve(caller, ids);
  const firstMissing = records.findIndex((record) => !record);
  if (firstMissing !== -1) {
    throw new AppError("validation_error", {
      message: `Attachment ${ids[firstMissing]} was not found`,
      reasons: records.flatMap((record, i) => (record ? [] : [{ key: "attachment_not_found", ref: `AttachmentsIds[${i}]` }])),
    });
  }
  const bodyBytes = Buffer.byteLength(body.subject) + Buffer.byteLength(body.html ?? "") + Buffer.byteLength(body.text ?? "");
  const total = records.reduce((sum, record) => sum + record!.size, bodyBytes);
  if (total > messageBytes) {
    throw new AppError("validation_error", {
      message: `Message with its attachments exceeds the size limit of ${messageBytes} bytes`,
      reasons: [{ key: "message_too_large", ref: "AttachmentsIds" }],
    });
  }
  return records.map((record) => toRef(record!));
}

// Attachment files in S3 (docs/http-api.md, files): uploaded with POST /files/files or taken from
// an SMTP message, stored once under files/<accountId>/<fileId> with a record that says whose
// they are (shared/store/file-records.ts), and read back by the delivery worker through the
// AttachmentRef kept in the stored body.
import { randomBytes } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { Caller } from "../domain/account.ts";
import type { AttachmentRef } from "../domain/body.ts";
import type { FileRecord, NewFile } from "../domain/file.ts";
import { newId } from "../domain/ids.ts";
import type { AttachmentContent } from "../domain/outgoing-mail.ts";
import { concurrencyLimit } from "../lib/concurrency.ts";
import { FILE_RECORD_DAYS, type FileRecordStore } from "../store/file-records.ts";
import { epochSeconds } from "../store/keys.ts";

export const fileKey = (accountId: string, fileId: string) => `files/${accountId}/${fileId}`;

/** publicUrl is a presigned GET; on AWS it cannot outlive the signing role's session anyway. */
export const PUBLIC_URL_SECONDS = 3600;

const fileId = () => `${newId()}${randomBytes(2).toString("hex")}`;

const toRef = (record: FileRecord): AttachmentRef => ({
  fileId: record.fileId,
  filename: record.filename,
  contentType: record.contentType,
  size: record.size,
  key: record.key,
  expiresAt: record.expiresAt,
});

/** RFC 6266 / 5987: the download keeps its name, whatever its characters. */
const contentDisposition = (filename: string) =>
  `attachment; filename="${filename.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(filename)}`;

export function makeFileStore(s3: S3Client, bucketName: string, records: FileRecordStore) {
  return {
    /** Stores files in S3, then their records: a record never points at a missing object. */
    async putMany(caller: Caller, files: NewFile[], now = Date.now()): Promise<FileRecord[]> {
      if (files.length === 0) return [];
      const stored = await Promise.all(
        files.map(async (file): Promise<FileRecord> => {
          const id = fileId();
          const key = fileKey(caller.accountId, id);
          await s3.send(
            new PutObjectCommand({
              Bucket: bucketName,
              Key: key,
              Body: file.content,
              ContentType: file.contentType,
              ContentDisposition: contentDisposition(file.filename),
            }),
          );
          return {
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
        }),
      );
      await records.put(stored);
      return stored;
    },

    /** The caller's own live files by id, in order; undefined where an id is unknown, expired or another tenant's. */
    resolve: records.resolve,

    publicUrl(record: FileRecord, seconds = PUBLIC_URL_SECONDS): Promise<string> {
      return getSignedUrl(s3, new GetObjectCommand({ Bucket: bucketName, Key: record.key }), { expiresIn: seconds });
    },

    toRef,
  };
}

export type FileStore = ReturnType<typeof makeFileStore>;

/** Reads attachment contents for the worker. */
export type AttachmentLoader = (
  refs: { filename: string; contentType: string; key: string; contentId?: string }[],
) => Promise<AttachmentContent[]>;

/** S3 reads one worker runs at once: a batch of jobs with large files must not hold them all in memory together. */
const READS_AT_ONCE = 4;

export function makeAttachmentLoader(s3: S3Client, bucketName: string, readsAtOnce = READS_AT_ONCE): AttachmentLoader {
  const limit = concurrencyLimit(readsAtOnce);
  const read = (key: string) =>
    limit(async () => {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: key }));
      return Buffer.from(await object.Body!.transformToByteArray());
    });
  return (refs) =>
    Promise.all(
      refs.map(async ({ filename, contentType, key, contentId }) => ({ filename, contentType, contentId, content: await read(key) })),
    );
}

/**
 * A loader for one delivery job: each distinct file is read once, however many of the job's
 * messages (copies of one submission, usually) or one message's list name it. The contents are
 * Buffers, which every copy can share.
 */
export function readEachOnce(load: AttachmentLoader): AttachmentLoader {
  const contents = new Map<string, Promise<AttachmentContent["content"]>>();
  return async (refs) => {
    const unread = [...new Map(refs.filter((ref) => !contents.has(ref.key)).map((ref) => [ref.key, ref])).values()];
    if (unread.length > 0) {
      const loading = load(unread);
      for (const [i, ref] of unread.entries())
        contents.set(
          ref.key,
          loading.then((loaded) => loaded[i].content),
        );
    }
    return Promise.all(
      refs.map(async ({ filename, contentType, key, contentId }) => ({
        filename,
        contentType,
        contentId,
        content: await contents.get(key)!,
      })),
    );
  };
}

// Message bodies go to S3 once per submission; every recipient copy points at the same object.
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Party } from "../store/messages.ts";

export interface AttachmentRef {
  fileId: string;
  filename: string;
  contentType: string;
  size: number;
  key: string;
}

export interface StoredBody {
  from: Party;
  subject: string;
  html?: string;
  text?: string;
  replyTo?: string;
  /** Extra headers to copy to every copy (SMTP X- headers and the like). */
  headers?: Record<string, string>;
  attachments?: AttachmentRef[];
}

export const bodyKey = (accountId: string, submissionId: string) => `bodies/${accountId}/${submissionId}.json`;

export function makeBodyStore(s3: S3Client, bucketName: string) {
  // Workers deliver many copies of one submission in a row: keep the last few bodies in memory.
  const cache = new Map<string, StoredBody>();
  const CACHE_MAX = 64;

  return {
    async put(key: string, body: StoredBody) {
      await s3.send(
        new PutObjectCommand({ Bucket: bucketName, Key: key, Body: JSON.stringify(body), ContentType: "application/json" }),
      );
    },

    async get(key: string): Promise<StoredBody> {
      const cached = cache.get(key);
      if (cached) return cached;
      const object = await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: key }));
      const body = JSON.parse(await object.Body!.transformToString("utf8")) as StoredBody;
      if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
      cache.set(key, body);
      return body;
    },
  };
}

export type BodyStore = ReturnType<typeof makeBodyStore>;

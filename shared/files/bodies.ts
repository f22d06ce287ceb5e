// Message bodies are stored once per submission; every recipient copy points at the same body.
// A small body is a DynamoDB item, deflated, written in the same BatchWriteItem as the messages:
// no S3 request on the accept path (a PUT and a GET cost as much as about 8 KB of DynamoDB
// writes, and are slower round trips). A body over the inline limit goes to S3 first, before
// any message points at it.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { GetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { StoredBody } from "../domain/body.ts";

export const bodyKey = (accountId: string, submissionId: string) => `bodies/${accountId}/${submissionId}.json`;

/** Where a body kept in DynamoDB lives; its bodyKey starts with INLINE_PREFIX. */
const INLINE_PREFIX = "inline/";
const inlineItemKey = (key: string) => ({ pk: `BODY#${key.slice(INLINE_PREFIX.length)}`, sk: "BODY" });

export interface PreparedBody {
  bodyKey: string;
  /** The item to write before or with the messages, when the body is kept in DynamoDB. */
  item?: Record<string, unknown>;
}

export function makeBodyStore(
  clients: { s3: S3Client; ddb: DynamoDBDocumentClient },
  names: { bucketName: string; tableName: string },
  /** Bodies that deflate to this size or less go in DynamoDB (config.limits.inlineBodyBytes). */
  inlineMaxBytes: number,
) {
  // Workers deliver many copies of one submission in a row: keep the last few bodies in memory.
  const cache = new Map<string, StoredBody>();
  const CACHE_MAX = 64;

  async function readInline(key: string, consistent: boolean): Promise<string | undefined> {
    const result = await clients.ddb.send(new GetCommand({ TableName: names.tableName, Key: inlineItemKey(key), ConsistentRead: consistent }));
    const packed = result.Item?.deflated as Uint8Array | undefined;
    return packed && inflateRawSync(packed).toString("utf8");
  }

  return {
    /**
     * Stores a large body in S3 now, or returns the DynamoDB item of a small one for the caller
     * to write before or with the messages (shared/store/messages.ts putMessages).
     */
    async prepare(accountId: string, submissionId: string, body: StoredBody, expiresAt: number): Promise<PreparedBody> {
      const json = Buffer.from(JSON.stringify(body));
      // HTML deflates to a fifth or less; past that ratio it cannot fit, so do not spend the CPU.
      const packed = json.length <= inlineMaxBytes * 8 ? deflateRawSync(json) : undefined;
      if (packed && packed.length <= inlineMaxBytes) {
        const key = `${INLINE_PREFIX}${accountId}/${submissionId}`;
        return { bodyKey: key, item: { ...inlineItemKey(key), deflated: packed, expiresAt } };
      }
      const key = bodyKey(accountId, submissionId);
      await clients.s3.send(new PutObjectCommand({ Bucket: names.bucketName, Key: key, Body: json, ContentType: "application/json" }));
      return { bodyKey: key };
    },

    async get(key: string): Promise<StoredBody> {
      const cached = cache.get(key);
      if (cached) return cached;
      let json: string;
      if (key.startsWith(INLINE_PREFIX)) {
        // An eventually consistent read is half the price; a miss right after the write reads again, consistently.
        const found = (await readInline(key, false)) ?? (await readInline(key, true));
        if (found === undefined) throw new Error(`Body ${key} not found`);
        json = found;
      } else {
        const object = await clients.s3.send(new GetObjectCommand({ Bucket: names.bucketName, Key: key }));
        json = await object.Body!.transformToString("utf8");
      }
      const body = JSON.parse(json) as StoredBody;
      if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
      cache.set(key, body);
      return body;
    },
  };
}

export type BodyStore = ReturnType<typeof makeBodyStore>;

// Message bodies are stored once per submission; every recipient copy points at the same body.
// A small body is a DynamoDB item (shared/store/inline-bodies.ts), written in the same
// BatchWriteItem as the messages: no S3 request on the accept path (a PUT and a GET cost as much
// as about 8 KB of DynamoDB writes, and are slower round trips). A body over the inline limit
// goes to S3 first, before any message points at it.
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { StoredBody } from "../domain/body.ts";
import { isInlineBodyKey, type InlineBodyStore } from "../store/inline-bodies.ts";
import type { UnitOfWork } from "../store/unit-of-work.ts";

/**
 * S3 keeps bodies only as long as delivery needs them (cdk/constructs/storage.ts): a few days,
 * and for scheduled sends, which may wait 30 days, under a prefix of their own that lives longer.
 */
export const BODY_PREFIXES = { sending: "bodies/", scheduled: "scheduled-bodies/" } as const;

export const bodyKey = (accountId: string, submissionId: string, prefix: string = BODY_PREFIXES.sending) =>
  `${prefix}${accountId}/${submissionId}.json`;

/**
 * Workers deliver many copies of one submission in a row, and a job's copies side by side: the
 * last few bodies are kept in memory, and a body being read is read once for everyone asking.
 */
const CACHE_MAX = 64;

export interface BodyStoreOptions {
  s3: S3Client;
  bucketName: string;
  inline: InlineBodyStore;
  /** Bodies that deflate to this size or less go in DynamoDB (config.limits.inlineBodyBytes). */
  inlineMaxBytes: number;
}

export function makeBodyStore({ s3, bucketName, inline, inlineMaxBytes }: BodyStoreOptions) {
  /** Reads in flight and done, by key: a body never changes once stored. A failed read is forgotten. */
  const cache = new Map<string, Promise<StoredBody>>();

  async function read(key: string): Promise<StoredBody> {
    let json: string;
    if (isInlineBodyKey(key)) {
      const found = await inline.get(key);
      if (found === undefined) throw new Error(`Body ${key} not found`);
      json = found;
    } else {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: key }));
      json = await object.Body!.transformToString("utf8");
    }
    return JSON.parse(json) as StoredBody;
  }

  return {
    /**
     * Stores a large body in S3 now, or adds a small one to the accept path's write, ahead of
     * the messages. Returns the body's key, which the messages keep.
     */
    async prepare(
      work: Pick<UnitOfWork, "first">,
      accountId: string,
      submissionId: string,
      body: StoredBody,
      expiresAt: number,
      options: { scheduled?: boolean } = {},
    ): Promise<string> {
      const json = Buffer.from(JSON.stringify(body));
      const packed = inline.pack(json, inlineMaxBytes);
      if (packed) return inline.stage(work, accountId, submissionId, packed, expiresAt);
      const key = bodyKey(accountId, submissionId, options.scheduled ? BODY_PREFIXES.scheduled : BODY_PREFIXES.sending);
      await s3.send(new PutObjectCommand({ Bucket: bucketName, Key: key, Body: json, ContentType: "application/json" }));
      return key;
    },

    get(key: string): Promise<StoredBody> {
      const cached = cache.get(key);
      if (cached) return cached;
      const reading = read(key);
      if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
      cache.set(key, reading);
      reading.catch(() => {
        if (cache.get(key) === reading) cache.delete(key);
      });
      return reading;
    },
  };
}

export type BodyStore = ReturnType<typeof makeBodyStore>;

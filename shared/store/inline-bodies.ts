// Small message bodies, deflated, as DynamoDB items (shared/files/bodies.ts decides which bodies
// are small): written in the same BatchWriteItem as the messages, so a small submission costs no
// S3 request on the accept path.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { GetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { INLINE_BODY_PREFIX, keys } from "./keys.ts";
import type { UnitOfWork } from "./unit-of-work.ts";

/**
 * zlib's defaults set up a 32 KB window, a 64 KB hash table and a 64 KB symbol buffer (about
 * 256 KB to allocate and clear) for every body, most of them 2 KB. A window that holds the whole
 * input (zlib keeps 262 bytes of lookahead) finds every match the default window finds, and a
 * symbol buffer that holds the whole input splits no block the default would not: the same
 * bytes out, from a fifth of the memory (48 KB for a 2 KB body). Larger inputs get the defaults.
 */
export function deflateOptions(inputBytes: number) {
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(inputBytes + 262))));
  return { windowBits, memLevel: Math.min(8, windowBits - 6), chunkSize: Math.min(16 * 1024, Math.max(1024, inputBytes)) };
}

export const isInlineBodyKey = (bodyKey: string) => bodyKey.startsWith(INLINE_BODY_PREFIX);

export function makeInlineBodyStore(ddb: DynamoDBDocumentClient, tableName: string) {
  async function read(bodyKey: string, consistent: boolean): Promise<string | undefined> {
    const result = await ddb.send(new GetCommand({ TableName: tableName, Key: keys.inlineBody(bodyKey), ConsistentRead: consistent }));
    const packed = result.Item?.deflated as Uint8Array | undefined;
    return packed && inflateRawSync(packed).toString("utf8");
  }

  return {
    /** The deflated JSON when it fits in `maxBytes`, or undefined. */
    pack(json: Buffer, maxBytes: number): Buffer | undefined {
      // HTML deflates to a fifth or less; past that ratio it cannot fit, so do not spend the CPU.
      const packed = json.length <= maxBytes * 8 ? deflateRawSync(json, deflateOptions(json.length)) : undefined;
      return packed && packed.length <= maxBytes ? packed : undefined;
    },

    /** Adds the body to the accept path's write, ahead of its messages; returns its bodyKey. */
    stage(work: Pick<UnitOfWork, "first">, accountId: string, submissionId: string, packed: Buffer, expiresAt: number): string {
      const bodyKey = `${INLINE_BODY_PREFIX}${accountId}/${submissionId}`;
      work.first({ ...keys.inlineBody(bodyKey), deflated: packed, expiresAt });
      return bodyKey;
    },

    /** The body's JSON. An eventually consistent read is half the price; a miss right after the write reads again, consistently. */
    async get(bodyKey: string): Promise<string | undefined> {
      return (await read(bodyKey, false)) ?? (await read(bodyKey, true));
    },
  };
}

export type InlineBodyStore = ReturnType<typeof makeInlineBodyStore>;

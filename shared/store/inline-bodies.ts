// Small message bodies, deflated, as DynamoDB items (shared/files/bodies.ts decides which bodies
// are small): written in the same BatchWriteItem as the messages, so a small submission costs no
// S3 request on the accept path.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { GetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { INLINE_BODY_PREFIX, keys } from "./keys.ts";
import type { UnitOfWork } from "./unit-of-work.ts";

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
      const packed = json.length <= maxBytes * 8 ? deflateRawSync(json) : undefined;
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

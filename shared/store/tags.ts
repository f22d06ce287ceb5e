// The distinct tags of an account (docs/http-api.md, tags): an item per tag, written once, and a
// count of them that refuses to pass the account's limit. Tags an account has used are
// remembered per container, so a message whose tags are known costs nothing here; a tag new to
// the container costs a read, and a tag new to the account a counted write.
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ttlCache } from "../lib/ttl-cache.ts";
import { ifConditionHolds } from "./dynamo.ts";
import { keys } from "./keys.ts";

/** A tag is never forgotten by the account, so a container may remember it for long. */
const KNOWN_TTL_MS = 60 * 60_000;
const KNOWN_MAX = 100_000;

type Outcome = "known" | "over_limit";

export function makeTagStore(ddb: DynamoDBDocumentClient, tableName: string) {
  const known = ttlCache<Outcome>({ ttlMs: KNOWN_TTL_MS, maxEntries: KNOWN_MAX });

  const count = (accountId: string, by: 1 | -1, limit?: number) =>
    ifConditionHolds(
      ddb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.tagCount(accountId),
          UpdateExpression: "ADD tagCount :by",
          ConditionExpression: limit === undefined ? undefined : "attribute_not_exists(tagCount) OR tagCount < :limit",
          ExpressionAttributeValues: limit === undefined ? { ":by": by } : { ":by": by, ":limit": limit },
        }),
      ),
    );

  /**
   * Counts a tag the account has not used before, unless the count is at the limit. The count
   * goes first: a crash between the two writes leaves it one too high (the limit bites a tag
   * early), never too low.
   */
  async function register(accountId: string, tag: string, limit: number): Promise<Outcome> {
    const existing = await ddb.send(new GetCommand({ TableName: tableName, Key: keys.tag(accountId, tag) }));
    if (existing.Item) return "known";
    if (!(await count(accountId, 1, limit))) return "over_limit";
    const added = await ifConditionHolds(
      ddb.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.tag(accountId, tag), tag, createdAt: Date.now() },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    );
    // Another submission added it meanwhile, and counted it too.
    if (!added) await count(accountId, -1);
    return "known";
  }

  return {
    /** The first of `tags` that would take the account past `limit` distinct tags, or undefined when all fit (and are now counted). */
    async firstOverLimit(accountId: string, tags: readonly string[], limit: number): Promise<string | undefined> {
      const outcomes = await Promise.all(
        tags.map((tag) =>
          known.get(
            `${accountId}\n${tag}`,
            () => register(accountId, tag, limit),
            (outcome) => outcome === "known",
          ),
        ),
      );
      const over = outcomes.indexOf("over_limit");
      return over === -1 ? undefined : tags[over];
    },

    /** How many distinct tags the account has used. */
    async count(accountId: string): Promise<number> {
      const item = (await ddb.send(new GetCommand({ TableName: tableName, Key: keys.tagCount(accountId), ConsistentRead: true }))).Item;
      return (item?.tagCount as number | undefined) ?? 0;
    },
  };
}

export type TagStore = ReturnType<typeof makeTagStore>;

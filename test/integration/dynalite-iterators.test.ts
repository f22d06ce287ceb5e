// The DynamoDB stand-in must not hold on to what a Query or Scan read: dynalite ends each LevelDB
// iterator with iterator.return(), which abstract-level's iterators lack, so none was ever closed
// and the stand-ins process grew without bound over a long run (local/dynalite-iterators.ts).
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DynamoDBClient, PutItemCommand, QueryCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { abstractLevelOfDynalite } from "../../local/dynalite-iterators.ts";
import { ensureTable } from "../../local/resources.ts";
import { startStandIns, type StandIns } from "../../local/standins.ts";

const TABLE = "iterators";

describe("dynalite's LevelDB iterators", () => {
  let dir: string | undefined;
  let standIns: StandIns | undefined;
  afterAll(async () => {
    await standIns?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("are all closed once their Query or Scan has answered, whole or cut short by Limit", async () => {
    // Every iterator a LevelDB database opens is attached to it until closed: watch which are open.
    const { AbstractLevel } = abstractLevelOfDynalite();
    const proto = AbstractLevel.prototype;
    const { attachResource, detachResource } = proto;
    const open = new Set<object>();
    proto.attachResource = function (resource) {
      if (typeof (resource as { next?: unknown }).next === "function") open.add(resource);
      return attachResource.call(this, resource);
    };
    proto.detachResource = function (resource) {
      open.delete(resource);
      return detachResource.call(this, resource);
    };
    try {
      dir = await mkdtemp(path.join(os.tmpdir(), "posthaste-dynalite-"));
      standIns = await startStandIns(dir);
      const dynamo = new DynamoDBClient({
        endpoint: standIns.endpoints.dynamodb,
        region: "us-east-1",
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      });
      await ensureTable(dynamo, TABLE);
      for (let i = 0; i < 5; i++) {
        await dynamo.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: "ACCOUNT#a" }, sk: { S: `ITEM#${i}` } } }));
      }
      const query = (limit?: number) =>
        dynamo.send(
          new QueryCommand({
            TableName: TABLE,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": { S: "ACCOUNT#a" } },
            Limit: limit,
          }),
        );
      for (let i = 0; i < 20; i++) {
        expect((await query()).Items).toHaveLength(5);
        expect((await query(1)).Items).toHaveLength(1);
        expect((await dynamo.send(new ScanCommand({ TableName: TABLE, Limit: 2 }))).Items).toHaveLength(2);
      }
      // Closing is asynchronous: give it a moment.
      for (let waited = 0; open.size > 0 && waited < 2000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));

      expect(open.size).toBe(0);
    } finally {
      proto.attachResource = attachResource;
      proto.detachResource = detachResource;
    }
  });
});

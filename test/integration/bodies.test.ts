// Where a submission's body is kept: small ones deflated in DynamoDB beside the messages, large
// ones in S3, and either read back the same.
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { keys } from "../../shared/store/keys.ts";
import { GetCommand } from "@aws-sdk/lib-dynamodb";

import { makeTestEnv, type TestEnv } from "../support/integration.ts";
import type { StoredBody } from "../../shared/domain/body.ts";

let t: TestEnv;
beforeAll(async () => {
  t = await makeTestEnv();
});

const body = (html: string): StoredBody => ({ from: { address: "shop@example.com", name: "Shop" }, subject: "Hello", html, text: "Hello" });
const s3Objects = async (accountId: string) =>
  (await t.deps.clients.s3.send(new ListObjectsV2Command({ Bucket: t.config.bucketName, Prefix: `bodies/${accountId}/` }))).KeyCount ?? 0;

describe("message bodies", () => {
  const inlineItem = async (bodyKey: string) =>
    (await t.deps.clients.ddb.send(new GetCommand({ TableName: t.config.tableName, Key: keys.inlineBody(bodyKey) }))).Item;

  it("keeps a small body in DynamoDB, deflated, with no S3 object", async () => {
    const accountId = `acct-${randomBytes(3).toString("hex")}`;
    const html = `<p>${"Thank you for your order. ".repeat(200)}</p>`; // 5 KB that deflates well
    const work = t.deps.unitsOfWork.begin();
    const bodyKey = await t.deps.bodies.prepare(work, accountId, "sub1", body(html), 2_000_000_000);
    await work.commit();
    expect(((await inlineItem(bodyKey))!.deflated as Buffer).length).toBeLessThan(html.length / 5);
    expect(await t.deps.bodies.get(bodyKey)).toEqual(body(html));
    expect(await s3Objects(accountId)).toBe(0);
  });

  it("puts a body that does not deflate under the limit in S3 at once, and reads it back", async () => {
    const accountId = `acct-${randomBytes(3).toString("hex")}`;
    const html = `<p>${randomBytes(12 * 1024).toString("base64")}</p>`; // random text barely deflates
    const work = t.deps.unitsOfWork.begin();
    const bodyKey = await t.deps.bodies.prepare(work, accountId, "sub2", body(html), 2_000_000_000);
    expect(bodyKey).toBe(`bodies/${accountId}/sub2.json`);
    expect(await s3Objects(accountId)).toBe(1);
    expect(await t.deps.bodies.get(bodyKey)).toEqual(body(html));
  });

  it("writes a small body in the same call as its message, expiring with it", async () => {
    const accountId = `acct-${randomBytes(3).toString("hex")}`;
    const work = t.deps.unitsOfWork.begin();
    const bodyKey = await t.deps.bodies.prepare(work, accountId, "sub3", body("<p>Hi</p>"), 1_900_000_000);
    expect(await inlineItem(bodyKey)).toBeUndefined(); // prepare alone writes nothing for a small body

    await work.commit();
    expect((await inlineItem(bodyKey))?.expiresAt).toBe(1_900_000_000);
  });
});

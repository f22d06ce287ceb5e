// The webhook API as Lambda handlers against the stand-ins: add, list, rotate, remove, and the
// URL policy that refuses private addresses when running on AWS.
import { beforeAll, describe, expect, it } from "vitest";
import { makeHandler as makeCreate } from "../../functions/http/webhooks-create.ts";
import { makeHandler as makeDelete } from "../../functions/http/webhooks-delete.ts";
import { makeHandler as makeList } from "../../functions/http/webhooks-list.ts";
import { makeHandler as makeRotate } from "../../functions/http/webhooks-rotate-secret.ts";
import type { Resolver } from "../../shared/webhooks/url-policy.ts";
import { apiEvent, invoke } from "../support/events.ts";
import { makeAccount, makeTestEnv, type TestEnv, webhookManageDeps } from "../support/integration.ts";

describe("managing webhook URLs through the API", () => {
  let t: TestEnv;
  let apiKey: string;
  const auth = () => ({ authorization: `Key ${apiKey}` });
  const create = (body: unknown) =>
    invoke(makeCreate(t.deps, webhookManageDeps(t.deps)), apiEvent({ method: "POST", path: "/webhooks", headers: auth(), body }));
  const list = () => invoke(makeList(t.deps, webhookManageDeps(t.deps)), apiEvent({ path: "/webhooks", headers: auth() }));
  const rotate = (webhookId: string) =>
    invoke(
      makeRotate(t.deps, webhookManageDeps(t.deps)),
      apiEvent({ method: "POST", path: `/webhooks/${webhookId}/rotate-secret`, pathParameters: { webhookId }, headers: auth() }),
    );
  const remove = (webhookId: string) =>
    invoke(
      makeDelete(t.deps, webhookManageDeps(t.deps)),
      apiEvent({ method: "DELETE", path: `/webhooks/${webhookId}`, pathParameters: { webhookId }, headers: auth() }),
    );

  beforeAll(async () => {
    t = await makeTestEnv();
    ({ apiKey } = await makeAccount(t.deps));
  });

  it("adds a URL and shows its secret, then lists it after the callback signer", async () => {
    const created = await create({ Url: "http://127.0.0.1:9/hook", Description: "orders service" });

    expect(created.statusCode).toBe(201);
    expect(created.json.Result).toMatchObject({
      Url: "http://127.0.0.1:9/hook",
      Description: "orders service",
      Secret: expect.stringMatching(/^whsec_/),
    });
    const listed = await list();
    expect(listed.json.Result.map((w: { Id: string }) => w.Id)).toEqual(["callback", created.json.Result.Id]);
    expect(listed.json.Result[1].Secret).toBe(created.json.Result.Secret);
  });

  it("rotates a secret and keeps the old one valid for a day", async () => {
    const created = (await create({ Url: "http://127.0.0.1:9/rotate" })).json.Result;

    const rotated = await rotate(created.Id);

    expect(rotated.statusCode).toBe(200);
    expect(rotated.json.Result.Secret).not.toBe(created.Secret);
    expect(Date.parse(rotated.json.Result.PreviousSecretValidUntil) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
  });

  it("rotates the callback secret too, but will not remove it", async () => {
    const before = (await list()).json.Result[0].Secret;
    expect((await rotate("callback")).json.Result.Secret).not.toBe(before);
    expect((await remove("callback")).json.Reasons).toEqual([{ key: "not_removable", ref: "id" }]);
  });

  it("removes a URL, and answers 404 for one that is not there", async () => {
    const created = (await create({ Url: "http://127.0.0.1:9/gone" })).json.Result;

    expect((await remove(created.Id)).statusCode).toBe(200);
    expect((await list()).json.Result.map((w: { Id: string }) => w.Id)).not.toContain(created.Id);
    expect((await remove(created.Id)).statusCode).toBe(404);
    expect((await rotate("no-such-webhook")).statusCode).toBe(404);
  });

  it("refuses a URL that is not http(s), naming the field", async () => {
    const response = await create({ Url: "ftp://example.com/hook" });
    expect(response.statusCode).toBe(400);
    expect(response.json).toMatchObject({ Code: "validation_error", Reasons: [{ key: "invalid_url", ref: "Url" }] });
    expect((await create({})).json.Reasons).toEqual([{ key: "required", ref: "Url" }]);
  });

  it("does not let a project key manage the account's webhooks", async () => {
    const { accountId } = (await t.deps.accounts.findCallerByApiKey(apiKey))!;
    const project = await t.deps.accounts.createProject(accountId, "shop");
    const projectKey = await t.deps.accounts.createApiKey(accountId, project.projectId);
    const response = await invoke(
      makeList(t.deps, webhookManageDeps(t.deps)),
      apiEvent({ path: "/webhooks", headers: { authorization: `Key ${projectKey}` } }),
    );
    expect(response.statusCode).toBe(403);
  });
});

describe("the webhook URL policy in AWS mode", () => {
  let t: TestEnv;
  let apiKey: string;
  // DNS for the tests: one name resolves to the VPC, one to the internet.
  const resolve: Resolver = async (host) => (host === "internal.example.com" ? ["10.0.3.7"] : ["93.184.216.34"]);
  const createOnAws = (Url: string) => {
    const deps = { ...t.deps, config: { ...t.deps.config, mode: "aws" as const } };
    const handler = makeCreate(deps, { ...webhookManageDeps(t.deps), config: deps.config, resolve });
    return invoke(handler, apiEvent({ method: "POST", path: "/webhooks", headers: { authorization: `Key ${apiKey}` }, body: { Url } }));
  };

  beforeAll(async () => {
    t = await makeTestEnv();
    ({ apiKey } = await makeAccount(t.deps));
  });

  it.each([
    "http://10.0.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://localhost:8080/hook",
    "http://[::1]/hook",
    "https://internal.example.com/hook",
  ])("refuses %s", async (url) => {
    const response = await createOnAws(url);
    expect(response.statusCode).toBe(400);
    expect(response.json.Reasons).toEqual([{ key: "url_not_allowed", ref: "Url" }]);
  });

  it("accepts a URL on a public address", async () => {
    expect((await createOnAws("https://hooks.example.com/posthaste")).statusCode).toBe(201);
  });
});

// POST /email/messages with stored templates, inline engines and tags, as the Lambda handler
// against the stand-ins: what is recorded, and what is refused before anything is.
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMailbox } from "../../local/mailbox.ts";
import { deliverMessage } from "../../shared/deliver/deliver-message.ts";
import { makeAttachmentLoader } from "../../shared/files/attachments.ts";
import { makeSmtpTransport } from "../../shared/transport/transport.ts";
import { makeHandler as makeSendHandler } from "../../functions/http/send-messages.ts";
import { makeHandler as makeGetHandler } from "../../functions/http/get-message.ts";
import { createTemplate } from "../../shared/templates/manage.ts";
import { apiEvent, invoke } from "../support/events.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";

const body = (overrides: Record<string, unknown> = {}) => ({
  Recipients: [{ Address: "ivan@example.org", MergeFields: { Name: "Ivan" } }],
  Sender: { Address: "shop@example.com" },
  ...overrides,
});

describe("sending with templates, engines and tags", () => {
  let t: TestEnv;
  let send: ReturnType<typeof makeSendHandler>;
  let get: ReturnType<typeof makeGetHandler>;
  let account: Awaited<ReturnType<typeof makeAccount>>;

  const post = (payload: unknown, apiKey = account.apiKey) =>
    invoke(send, apiEvent({ method: "POST", path: "/email/messages", headers: { authorization: `Key ${apiKey}` }, body: payload }));
  const message = async (messageId: string) =>
    (
      await invoke(
        get,
        apiEvent({
          path: `/email/messages/${messageId}`,
          pathParameters: { messageId },
          headers: { authorization: `Key ${account.apiKey}` },
        }),
      )
    ).json.Result;

  beforeAll(async () => {
    // A small tag limit, so that reaching it takes a few requests rather than 10,000.
    t = await makeTestEnv({ env: { LIMIT_TAGS_PER_ACCOUNT: "5" } });
    send = makeSendHandler(t.deps);
    get = makeGetHandler(t.deps);
    account = await makeAccount(t.deps);
  });

  it("refuses another account's template exactly like an unknown one, and an engine that does not match", async () => {
    const other = await makeAccount(t.deps);
    const theirs = await createTemplate(t.deps, other.caller, { Name: "Theirs", Engine: "velocity", Html: "<p>$Name</p>" });
    const refused = await post(body({ TemplateId: theirs.templateId, Subject: "Hi" }));
    expect(refused.statusCode).toBe(400);
    expect(refused.json.Reasons).toEqual([{ key: "template_not_found", ref: "TemplateId" }]);

    const mismatch = await post(body({ TemplateId: theirs.templateId, TemplateEngine: "simple", Subject: "Hi" }), other.apiKey);
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json.Reasons).toEqual([expect.objectContaining({ key: "template_engine_mismatch" })]);
  });

  it("refuses a Body next to a TemplateId, and a template without a subject when the message has none", async () => {
    const template = await createTemplate(t.deps, account.caller, { Name: "No subject", Html: "<p>{{Name}}</p>" });
    expect((await post(body({ TemplateId: template.templateId, Body: { Html: "x" }, Subject: "Hi" }))).json.Reasons).toEqual([
      { key: "invalid_value", ref: "Body" },
    ]);
    expect((await post(body({ TemplateId: template.templateId }))).json.Reasons).toEqual([{ key: "required", ref: "Subject" }]);
  });

  it("checks an inline Velocity body when it is accepted, naming the field, line and column", async () => {
    const refused = await post(body({ TemplateEngine: "velocity", Subject: "Hi", Body: { Html: "<p>\n#if($Name)yes" } }));
    expect(refused.statusCode).toBe(400);
    expect(refused.json.Reasons).toEqual([{ key: "invalid_template", ref: "Body.Html" }]);
    expect(refused.json.Description).toMatch(/line 2, column 1/);

    const lists = await post(body({ Subject: "Hi", Body: { Html: "x" }, GlobalMergeFields: { Items: ["a"] } }));
    expect(lists.json.Reasons).toEqual([{ key: "invalid_value", ref: "TemplateEngine" }]);
  });

  it("records tags and metadata with the message, and refuses the tag past the account's limit, naming it", async () => {
    const first = await post(body({ Subject: "Hi", Body: { PlainText: "x" }, Tags: ["a", "b", "c"], Metadata: { campaign: "spring" } }));
    expect(first.statusCode).toBe(200);
    expect(await message(first.json.Result[0].MessageId)).toMatchObject({ Tags: ["a", "b", "c"], Metadata: { campaign: "spring" } });

    // a, b, c known; d and e make five; f would be the sixth.
    expect((await post(body({ Subject: "Hi", Body: { PlainText: "x" }, Tags: ["a", "d", "e"] }))).statusCode).toBe(200);
    const over = await post(body({ Subject: "Hi", Body: { PlainText: "x" }, Tags: ["a", "f"] }));
    expect(over.statusCode).toBe(400);
    expect(over.json.Reasons).toEqual([{ key: "tag_limit_reached", ref: "Tags" }]);
    expect(over.json.Description).toContain("at most 5");
    // Tags already known stay usable.
    expect((await post(body({ Subject: "Hi", Body: { PlainText: "x" }, Tags: ["e", "b"] }))).statusCode).toBe(200);
  });

  describe("at delivery", () => {
    let mailbox: Awaited<ReturnType<typeof startMailbox>>;
    let transport: ReturnType<typeof makeSmtpTransport>;
    beforeAll(async () => {
      mailbox = await startMailbox({ dir: await mkdtemp(path.join(os.tmpdir(), "posthaste-mailbox-")) });
      transport = makeSmtpTransport({ host: "127.0.0.1", port: mailbox.smtpPort, secure: false, plain: true, finalHop: true });
    });
    afterAll(async () => {
      transport.close();
      await mailbox.close();
    });

    it("rejects only the recipient whose own values make the template run away, with the reason, and sends the others", async () => {
      const template = await createTemplate(t.deps, account.caller, {
        Name: "Runaway",
        Engine: "velocity",
        Subject: "Your items",
        Html: "#foreach($i in $L)#foreach($j in $L)#foreach($k in $L)x#end#end#end",
      });
      const answer = await post(
        body({
          TemplateId: template.templateId,
          Recipients: [
            { Address: "small@example.org", MergeFields: { L: [1, 2] } },
            { Address: "huge@example.org", MergeFields: { L: Array.from({ length: 1000 }, (_, i) => i) } },
          ],
        }),
      );
      expect(answer.statusCode).toBe(200);
      const [small, huge] = answer.json.Result.map((r: { MessageId: string }) => r.MessageId);
      const deps = { ...t.deps, transport, loadAttachments: makeAttachmentLoader(t.deps.clients.s3, t.config.bucketName) };

      expect(await deliverMessage(deps, huge)).toMatchObject({ step: "compose", result: "rejected" });
      const rejected = await t.deps.messages.getMessage(huge);
      expect(rejected?.status).toBe("REJECTED");
      expect(rejected?.history.at(-1)?.reason).toMatch(/^invalid_template: .*#foreach loops ran more than 10,000 times in all$/);

      await deliverMessage(deps, small);
      expect((await t.deps.messages.getMessage(small))?.status).toBe("DELIVERED");
    });
  });
});

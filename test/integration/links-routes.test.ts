// The public tracking routes (pixel, click redirect, unsubscribe page, web version) as Lambda
// handlers against the stand-ins, on mail really rendered and delivered to a mailbox.
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { simpleParser } from "mailparser";
import { makeHandler as makeOpenHandler } from "../../functions/http/track-open.ts";
import { makeHandler as makeClickHandler } from "../../functions/http/track-click.ts";
import { makeHandler as makeUnsubscribeHandler } from "../../functions/http/unsubscribe.ts";
import { makeHandler as makeWebHandler } from "../../functions/http/web-version.ts";
import { makeHandler as makeBodyHandler } from "../../functions/http/message-body.ts";
import { startMailbox, type Mailbox } from "../../local/mailbox.ts";
import { acceptSubmission } from "../../shared/accept/accept.ts";
import { DEFAULT_OPTIONS, type Submission } from "../../shared/domain/submission.ts";
import { deliverMessage, type DeliverDeps } from "../../shared/deliver/deliver-message.ts";
import { makeAttachmentLoader } from "../../shared/files/attachments.ts";

import { keys } from "../../shared/store/keys.ts";
import { messageLinks, signToken } from "../../shared/domain/link-tokens.ts";
import { submissionOf } from "../../shared/domain/ids.ts";
import { unsubscribeTicket } from "../../shared/domain/suppression.ts";
import type { Message } from "../../shared/domain/message.ts";
import { makeSmtpTransport } from "../../shared/transport/transport.ts";
import { apiEvent, invoke, testContext } from "../support/events.ts";
import { checkContract } from "../support/contract.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";
import type { Caller } from "../../shared/domain/account.ts";

const HTML = '<html><body><p>Hi [Name]</p><a href="https://shop.example/order?id=7&amp;ref=mail">Your order</a></body></html>';

describe("the public tracking routes", () => {
  let t: TestEnv;
  let mailbox: Mailbox;
  let deliverDeps: DeliverDeps;
  let caller: Caller;
  let handlers: Record<"open" | "click" | "unsubscribe" | "web", ReturnType<typeof makeOpenHandler>>;

  /** Accepts and delivers one message; returns its id and the mail as the recipient got it. */
  async function sendOne(address: string, overrides: Partial<Submission> = {}, as = caller) {
    const [accepted] = await acceptSubmission(t.deps, as, {
      from: { address: "shop@example.com", name: "Example <Shop>" },
      subject: "Your order",
      html: HTML,
      recipients: [{ index: 0, address, mergeFields: { Name: "<Ivan>" }, extraData: {} }],
      checkSuppression: false,
      options: DEFAULT_OPTIONS,
      ...overrides,
    });
    await deliverMessage(deliverDeps, accepted.messageId);
    const entry = mailbox.list().find((e) => e.messageId === accepted.messageId)!;
    const mail = await simpleParser(await mailbox.raw(entry.id));
    const html = String(mail.html);
    const link = (pathPrefix: string) => new RegExp(`(${t.config.publicUrl}${pathPrefix}[^"]+)"`).exec(html)?.[1].replace(/&amp;/g, "&");
    return { messageId: accepted.messageId, mail, html, pixel: link("/t/o/"), click: link("/t/c/"), unsubscribe: link("/u/") };
  }

  async function call(
    handler: keyof typeof handlers,
    url: string,
    options: { method?: string; body?: string; headers?: Record<string, string> } = {},
  ) {
    const token = url.slice(url.lastIndexOf("/") + 1);
    const event = apiEvent({
      method: options.method ?? "GET",
      path: new URL(url).pathname,
      pathParameters: { token },
      headers: options.headers,
      body: options.body,
    });
    const result = (await handlers[handler](event, testContext())) as APIGatewayProxyStructuredResultV2;
    checkContract(event, result);
    return result;
  }
  const form = (body: string) => ({ method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
  const message = async (id: string) => (await t.deps.messages.getMessage(id))!;
  const statuses = async (id: string) => (await message(id)).history.map((h) => h.status);
  const unsubscribeLink = (stored: Message) =>
    messageLinks(t.config.publicUrl, t.config.linkSecret, stored.messageId, unsubscribeTicket(stored)).unsubscribe;
  const ticketItem = async (submissionId: string, position: number) =>
    (await t.deps.clients.ddb.send(new GetCommand({ TableName: t.config.tableName, Key: keys.unsubscribeTicket(submissionId, position) })))
      .Item;
  /** Moves a message past its retention: reads treat it as gone. */
  const expire = (messageId: string) =>
    t.deps.clients.ddb.send(
      new UpdateCommand({
        TableName: t.config.tableName,
        Key: keys.message(messageId),
        UpdateExpression: "SET expiresAt = :past",
        ExpressionAttributeValues: { ":past": 1 },
      }),
    );
  const tamper = (url: string) => url.replace(/.(\.[\w-]+)$/, (_m, rest: string) => (url.at(-rest.length - 1) === "a" ? "b" : "a") + rest);

  beforeAll(async () => {
    t = await makeTestEnv();
    mailbox = await startMailbox({ dir: await mkdtemp(path.join(os.tmpdir(), "posthaste-tracking-")) });
    deliverDeps = {
      ...t.deps,
      transport: makeSmtpTransport({ host: "127.0.0.1", port: mailbox.smtpPort, secure: false, plain: true, finalHop: true }),
      loadAttachments: makeAttachmentLoader(t.deps.clients.s3, t.config.bucketName),
    };
    handlers = {
      open: makeOpenHandler(t.deps),
      click: makeClickHandler(t.deps),
      unsubscribe: makeUnsubscribeHandler(t.deps),
      web: makeWebHandler(t.deps),
    };
    ({ caller } = await makeAccount(t.deps));
  });
  afterAll(async () => {
    deliverDeps.transport.close();
    await mailbox.close();
  });

  it("records OPENED on the first pixel fetch only, and counts every fetch", async () => {
    const sent = await sendOne("reader@example.org");

    const answers = [await call("open", sent.pixel!), await call("open", sent.pixel!), await call("open", sent.pixel!)];

    expect(answers.map((a) => [a.statusCode, a.headers?.["content-type"]])).toEqual(Array(3).fill([200, "image/gif"]));
    expect(Buffer.from(answers[0].body!, "base64").subarray(0, 6).toString()).toBe("GIF89a");
    expect(await statuses(sent.messageId)).toEqual(["ACCEPTED", "SENT", "DELIVERED", "OPENED"]);
    expect((await message(sent.messageId)).opens).toBe(3);
  });

  it("sends a click on to the original URL, recording CLICKED (and the open it implies) once", async () => {
    const sent = await sendOne("clicker@example.org");

    const first = await call("click", sent.click!);
    await call("click", sent.click!);

    expect(first.statusCode).toBe(302);
    expect(first.headers?.location).toBe("https://shop.example/order?id=7&ref=mail");
    expect(await statuses(sent.messageId)).toEqual(["ACCEPTED", "SENT", "DELIVERED", "OPENED", "CLICKED"]);
    const after = await message(sent.messageId);
    expect([after.status, after.clicks]).toEqual(["CLICKED", 2]);
  });

  it("answers an edited token with 404 and changes nothing", async () => {
    const sent = await sendOne("careful@example.org");
    const before = await message(sent.messageId);

    const answers = await Promise.all([
      call("open", tamper(sent.pixel!)),
      call("click", tamper(sent.click!)),
      call("unsubscribe", tamper(sent.unsubscribe!), form("List-Unsubscribe=One-Click")),
      call("unsubscribe", tamper(sent.unsubscribe!)),
    ]);

    expect(answers.map((a) => a.statusCode)).toEqual([404, 404, 404, 404]);
    expect(answers[1].headers?.location).toBeUndefined();
    const after = await message(sent.messageId);
    expect([after.version, after.opens, after.clicks]).toEqual([before.version, undefined, undefined]);
    expect(await t.deps.suppressions.get(caller.accountId, "careful@example.org")).toBeUndefined();
  });

  it("shows the unsubscribe page without changing anything, then unsubscribes and resubscribes by its buttons", async () => {
    const sent = await sendOne("leaver@example.org", { options: { ...DEFAULT_OPTIONS, language: "fr" } });

    const page = await call("unsubscribe", sent.unsubscribe!);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Ne plus recevoir les e-mails de <strong>Example &lt;Shop&gt;</strong>");
    expect(await statuses(sent.messageId)).not.toContain("UNSUBSCRIBED");

    const done = await call("unsubscribe", sent.unsubscribe!, form("action=unsubscribe"));
    expect(done.body).toContain("Vous êtes désabonné.");
    expect(await t.deps.suppressions.get(caller.accountId, "leaver@example.org")).toMatchObject({
      cause: "unsubscribed",
      causeMessageId: sent.messageId,
    });
    expect((await call("unsubscribe", sent.unsubscribe!)).body).toContain('value="resubscribe"');

    const back = await call("unsubscribe", sent.unsubscribe!, form("action=resubscribe"));
    expect(back.body).toContain("Vous êtes de nouveau abonné.");
    expect(await t.deps.suppressions.get(caller.accountId, "leaver@example.org")).toBeUndefined();
    expect((await statuses(sent.messageId)).slice(-2)).toEqual(["UNSUBSCRIBED", "SUBSCRIBED"]);
  });

  it("unsubscribes at once on the RFC 8058 one-click POST, and later sends to the address are rejected", async () => {
    const sent = await sendOne("oneclick@example.org");
    const header = sent.mail.headerLines.find((h) => h.key === "list-unsubscribe")?.line.replace(/\r?\n\s+/g, " ");
    const headerUrl = /<(http[^>]+)>/.exec(header ?? "")?.[1];
    expect(headerUrl).toBe(sent.unsubscribe);

    const answer = await call("unsubscribe", headerUrl!, form("List-Unsubscribe=One-Click"));

    expect(answer.statusCode).toBe(200);
    expect((await message(sent.messageId)).status).toBe("UNSUBSCRIBED");
    const [again] = await acceptSubmission(t.deps, caller, {
      from: { address: "shop@example.com" },
      subject: "Again",
      text: "Hi",
      recipients: [{ index: 0, address: "OneClick@example.org", mergeFields: {}, extraData: {} }],
      checkSuppression: true,
      options: DEFAULT_OPTIONS,
    });
    expect(again).toMatchObject({ status: "REJECTED", reason: "rejected_unsubscribed" });
  });

  it("keeps the unsubscribe link working after the message is past its retention", async () => {
    const sent = await sendOne("old@example.org", { options: { ...DEFAULT_OPTIONS, language: "de" } });
    await t.deps.clients.ddb.send(
      new UpdateCommand({
        TableName: t.config.tableName,
        Key: keys.message(sent.messageId),
        UpdateExpression: "SET expiresAt = :past",
        ExpressionAttributeValues: { ":past": 1 },
      }),
    );

    const page = await call("unsubscribe", sent.unsubscribe!);
    const answer = await call("unsubscribe", sent.unsubscribe!, form("List-Unsubscribe=One-Click"));

    expect(page.body).toContain(
      "Keine E-Mails von <strong>Example &lt;Shop&gt;</strong> mehr an <strong>old@example.org</strong> erhalten?",
    );
    expect(answer.statusCode).toBe(200);
    expect(await t.deps.suppressions.get(caller.accountId, "old@example.org")).toMatchObject({
      cause: "unsubscribed",
      causeMessageId: sent.messageId,
    });
    const webVersion = messageLinks(t.config.publicUrl, t.config.linkSecret, sent.messageId).webVersion;
    expect((await call("web", webVersion)).statusCode).toBe(404);
  });

  it("stores no unsubscribe ticket for a message: the ticket travels sealed in its link", async () => {
    const sent = await sendOne("sealed@example.org");
    const copy = submissionOf(sent.messageId)!;

    expect(await ticketItem(copy.submissionId, copy.position)).toBeUndefined();
    expect(sent.unsubscribe).toBe(unsubscribeLink(await message(sent.messageId)));
    // The mailto address keeps the short signed token: a local part holds at most 64 characters.
    const header = sent.mail.headerLines.find((h) => h.key === "list-unsubscribe")!.line.replace(/\r?\n\s+/g, " ");
    const mailtoToken = /<mailto:unsubscribe\+([^@]+)@/.exec(header)![1];
    expect(`unsubscribe+${mailtoToken}`.length).toBeLessThanOrEqual(64);
    expect((await call("unsubscribe", `${t.config.publicUrl}/u/${mailtoToken}`)).statusCode).toBe(200);
  });

  it("stores the ticket of a sender name too long to seal, and its link works after the retention", async () => {
    const sender = `Example ${"S".repeat(240)}`;
    const sent = await sendOne("long-sender@example.org", { from: { address: "shop@example.com", name: sender } });
    const copy = submissionOf(sent.messageId)!;
    expect(await ticketItem(copy.submissionId, copy.position)).toBeDefined();
    expect(sent.unsubscribe).toBe(messageLinks(t.config.publicUrl, t.config.linkSecret, sent.messageId).unsubscribe);
    await expire(sent.messageId);

    const page = await call("unsubscribe", sent.unsubscribe!);

    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(sender);
    expect(page.body).toContain("long-sender@example.org");
  });

  it("keeps a link mailed before tickets were sealed working through its stored ticket after the retention", async () => {
    const [accepted] = await acceptSubmission(t.deps, caller, {
      from: { address: "shop@example.com", name: "Old Shop" },
      subject: "Old",
      text: "Hello",
      recipients: [{ index: 0, address: "mailed-long-ago@example.org", mergeFields: {}, extraData: {} }],
      checkSuppression: false,
      options: DEFAULT_OPTIONS,
    });
    // What the accept path wrote before: a stored ticket, and a token that only names the message.
    const work = t.deps.unitsOfWork.begin();
    t.deps.suppressions.stageTickets(work, [unsubscribeTicket(await message(accepted.messageId))]);
    await work.commit();
    const oldLink = `${t.config.publicUrl}/u/${signToken(t.config.linkSecret, "unsubscribe", accepted.messageId)}`;
    await expire(accepted.messageId);

    expect((await call("unsubscribe", oldLink, form("List-Unsubscribe=One-Click"))).statusCode).toBe(200);
    expect(await t.deps.suppressions.get(caller.accountId, "mailed-long-ago@example.org")).toMatchObject({
      cause: "unsubscribed",
      causeMessageId: accepted.messageId,
    });
  });

  it("finds each copy's own address through its link once a many-recipient submission is past its retention", async () => {
    const addresses = ["first@example.org", "second@example.org", "third@example.org"];
    const accepted = await acceptSubmission(t.deps, caller, {
      from: { address: "shop@example.com" },
      subject: "News",
      text: "Hello",
      recipients: addresses.map((address, index) => ({ index, address, mergeFields: {}, extraData: {} })),
      checkSuppression: false,
      options: DEFAULT_OPTIONS,
    });
    // The second copy's link as its mail carries it: its own ticket sealed in its token.
    const second = unsubscribeLink(await message(accepted[1].messageId));
    for (const { messageId } of accepted) await expire(messageId);
    expect((await call("unsubscribe", second, form("List-Unsubscribe=One-Click"))).statusCode).toBe(200);

    expect(await t.deps.suppressions.get(caller.accountId, "second@example.org")).toMatchObject({
      cause: "unsubscribed",
      causeMessageId: accepted[1].messageId,
    });
    expect(await t.deps.suppressions.get(caller.accountId, "first@example.org")).toBeUndefined();
    expect(await t.deps.suppressions.get(caller.accountId, "third@example.org")).toBeUndefined();
  });

  it("shows the web version exactly as the recipient's HTML part", async () => {
    const sent = await sendOne("web@example.org", { html: '<p>Hi [Name]</p><a href="[WebVersion]">web</a>' });
    const webUrl = /href="([^"]+\/w\/[^"]+)"/.exec(sent.html)![1];

    const page = await call("web", webUrl);

    expect(page.statusCode).toBe(200);
    expect(page.headers?.["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers?.["content-security-policy"]).toMatch(/^sandbox /);
    expect(page.body).toBe(sent.html.trimEnd());
    expect(page.body).toContain("<p>Hi &lt;Ivan&gt;</p>");
  });

  it("shows a message's body to its owner only, without the pixel and redirects, counting no open", async () => {
    const { apiKey, caller: owner } = await makeAccount(t.deps);
    const sent = await sendOne("owner-view@example.org", {}, owner);
    expect(sent.pixel).toBeDefined();
    const bodyHandler = makeBodyHandler(t.deps);
    const read = (messageId: string, key: string) =>
      invoke(
        bodyHandler,
        apiEvent({
          path: `/email/messages/${messageId}/body`,
          pathParameters: { messageId },
          headers: { authorization: `Key ${key}` },
        }),
      );

    const shown = await read(sent.messageId, apiKey);

    expect(shown.statusCode).toBe(200);
    expect(shown.json.Result).toMatchObject({ MessageId: sent.messageId, Subject: "Your order" });
    expect(shown.json.Result.Html).toContain("<p>Hi &lt;Ivan&gt;</p>");
    expect(shown.json.Result.Html).toContain('href="https://shop.example/order?id=7&amp;ref=mail"');
    expect(shown.json.Result.Html).not.toContain("/t/o/");
    expect(shown.json.Result.Html).not.toContain("/t/c/");
    expect((await message(sent.messageId)).opens ?? 0).toBe(0);

    const { apiKey: stranger } = await makeAccount(t.deps);
    const foreign = await read(sent.messageId, stranger);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).not.toContain("Ivan");
    expect((await read("0mwt8s7zqy15RwW3NToPuBaEa0", apiKey)).statusCode).toBe(404);
  });

  it("renders the web version with the same sandbox as the mail: a refused template shows nothing", async () => {
    const exploit = '#set($g = $to_email.__lookupGetter__("__proto__"))$g.call($g).constructor("return process.env.LINK_SECRET").call()';
    // Accepted but not yet delivered: the page renders from the stored body.
    const [accepted] = await acceptSubmission(t.deps, caller, {
      from: { address: "shop@example.com" },
      subject: "Web exploit",
      html: `<html><body>${exploit}</body></html>`,
      recipients: [{ index: 0, address: "web-exploit@example.org", mergeFields: {}, extraData: {} }],
      checkSuppression: false,
      options: { ...DEFAULT_OPTIONS, templateEngine: "velocity" },
    });
    const webUrl = messageLinks(t.config.publicUrl, t.config.linkSecret, accepted.messageId).webVersion;

    const page = await call("web", webUrl);

    expect(page.body ?? "").not.toContain(t.config.linkSecret);
    expect(page.statusCode).toBe(404);
  });

  it("leaves the pixel and the redirects out of mail of an account that turned tracking off", async () => {
    const { caller: quiet } = await makeAccount(t.deps);
    await t.deps.accounts.updateSettings(quiet.accountId, { trackOpens: false, trackLinks: false });

    const sent = await sendOne("quiet@example.org", {}, quiet);

    expect(sent.pixel).toBeUndefined();
    expect(sent.click).toBeUndefined();
    expect(sent.html).toContain('href="https://shop.example/order?id=7&amp;ref=mail"');
    expect(sent.unsubscribe).toBeDefined();
  });
});

// Opens, clicks, unsubscribe and the web version on the local platform as `npm start` runs it:
// mail goes out through the HTTP API, the recipient's side works from the delivered .eml.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simpleParser, type ParsedMail } from "mailparser";
import { api, eventually, mailbox, startPlatformProcess, type RunningPlatform } from "../support/platform.ts";

const HTML =
  '<html><body><p>Dzień dobry, [Name]!</p><p><a href="https://shop.example/orders/7?utm=mail&amp;x=1">Zamówienie</a></p></body></html>';

describe("tracking and unsubscribing on the local platform", () => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startPlatformProcess();
  });
  afterAll(async () => platform?.stop());

  const client = () => api(platform.info);
  const send = (address: string, extra: Record<string, unknown> = {}) =>
    client().post("/email/messages", {
      Recipients: [{ Address: address, MergeFields: { Name: "Jan <Kowalski>" } }],
      Sender: { Address: "news@example.com", Name: "Sklep" },
      Subject: "Twoje zamówienie",
      Body: { Html: HTML },
      ...extra,
    });

  /** What the recipient's mail client got: the parsed .eml and the links in it. */
  async function delivered(messageId: string) {
    const entry = await eventually(async () => (await mailbox(platform.info).list(`?messageId=${messageId}`))[0], 15_000, "delivery");
    const mail: ParsedMail = await simpleParser(await mailbox(platform.info).raw(entry.id));
    const html = String(mail.html);
    const decode = (url: string) => url.replace(/&amp;/g, "&");
    const header = (name: string) =>
      mail.headerLines
        .find((h) => h.key === name)
        ?.line.replace(/^[^:]+:\s*/, "")
        .replace(/\r?\n\s+/g, " ");
    return {
      html,
      pixel: decode(/<img src="([^"]+\/t\/o\/[^"]+)"/.exec(html)![1]),
      links: [...html.matchAll(/<a href="([^"]+)"/g)].map((m) => decode(m[1])),
      listUnsubscribe: /<(http[^>]+)>/.exec(header("list-unsubscribe") ?? "")![1],
    };
  }

  async function sendAndReceive(address: string, extra?: Record<string, unknown>) {
    const response = await send(address, extra);
    const messageId: string = response.json.Result[0].MessageId;
    const mail = await delivered(messageId);
    // The mailbox has the mail a moment before the worker records DELIVERED.
    await eventually(async () => ((await status(messageId)) === "DELIVERED" ? true : undefined), 15_000, "DELIVERED");
    return { messageId, ...mail };
  }

  const history = async (messageId: string) =>
    ((await client().get(`/email/messages/${messageId}`)).json.Result.History as { Status: string }[]).map((h) => h.Status);
  const status = async (messageId: string) => (await client().get(`/email/messages/${messageId}`)).json.Result.Status as string;
  const form = (body: string) => ({
    method: "POST",
    body,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    redirect: "manual" as const,
  });
  /** One character of the signature changed (not the last, whose low bits are padding). */
  const tamper = (url: string) => url.slice(0, -5) + (url.at(-5) === "A" ? "B" : "A") + url.slice(-4);

  it("records OPENED when the pixel loads and CLICKED when a link is followed to its original URL", async () => {
    const sent = await sendAndReceive("reader@example.org");
    const orderLink = sent.links.find((l) => l.includes("/t/c/"))!;

    const pixel = await fetch(sent.pixel);
    const click = await fetch(orderLink, { redirect: "manual" });

    expect(pixel.status).toBe(200);
    expect(pixel.headers.get("content-type")).toBe("image/gif");
    expect(click.status).toBe(302);
    expect(click.headers.get("location")).toBe("https://shop.example/orders/7?utm=mail&x=1");
    expect(await history(sent.messageId)).toEqual(["ACCEPTED", "SENT", "DELIVERED", "OPENED", "CLICKED"]);
  });

  it("changes nothing for a tampered pixel, link or unsubscribe token", async () => {
    const sent = await sendAndReceive("tamper@example.org");

    const answers = [
      await fetch(tamper(sent.pixel)),
      await fetch(tamper(sent.links.find((l) => l.includes("/t/c/"))!), { redirect: "manual" }),
      await fetch(tamper(sent.listUnsubscribe), form("List-Unsubscribe=One-Click")),
    ];

    expect(answers.map((a) => a.status)).toEqual([404, 404, 404]);
    expect(await history(sent.messageId)).toEqual(["ACCEPTED", "SENT", "DELIVERED"]);
    expect((await client().get("/suppressions/tamper@example.org")).status).toBe(404);
  });

  it("adds the unsubscribe footer in the requested language when the body has no [Unsubscribe]", async () => {
    const sent = await sendAndReceive("polish@example.org", { Language: "pl" });

    expect(sent.html).toContain("Nie chcesz otrzymywać tych wiadomości?");
    expect(sent.html).toContain(`<a href="${sent.listUnsubscribe}" style="color:#777">Wypisz się</a>`);
  });

  it("unsubscribes by the link's page and suppresses the address", async () => {
    const sent = await sendAndReceive("leaver@example.org", { Language: "pl" });
    const footerLink = sent.links.find((l) => l.includes("/u/"))!;
    expect(footerLink).toBe(sent.listUnsubscribe);

    const page = await fetch(footerLink);
    const pageText = await page.text();
    expect(pageText).toContain("Nie otrzymywać więcej wiadomości od <strong>Sklep</strong> na adres <strong>leaver@example.org</strong>?");
    expect(await status(sent.messageId)).not.toBe("UNSUBSCRIBED");

    const confirmed = await fetch(footerLink, form("action=unsubscribe"));

    expect(await confirmed.text()).toContain("Wypisano.");
    expect(await status(sent.messageId)).toBe("UNSUBSCRIBED");
    expect((await client().get("/suppressions/leaver@example.org")).json.Result).toMatchObject({
      Cause: "unsubscribed",
      MessageId: sent.messageId,
    });
  });

  it("unsubscribes on the one-click POST, and a later send with CheckUnsubscription is rejected", async () => {
    const sent = await sendAndReceive("oneclick@example.org");

    const answer = await fetch(sent.listUnsubscribe, form("List-Unsubscribe=One-Click"));
    const later = await send("oneclick@example.org", { CheckUnsubscription: true });

    expect(answer.status).toBe(200);
    expect(await status(sent.messageId)).toBe("UNSUBSCRIBED");
    expect((await client().get("/suppressions?cause=unsubscribed")).json.Result.map((r: { Email: string }) => r.Email)).toContain(
      "oneclick@example.org",
    );
    expect(later.json.Result[0]).toMatchObject({ Code: "ok", Status: "REJECTED", Description: "rejected_unsubscribed" });
  });

  it("shows the same rendered body in the web version", async () => {
    const sent = await sendAndReceive("web@example.org", {
      Body: { Html: '<p>Witaj [Name]</p><a href="[WebVersion]">w przeglądarce</a>' },
    });
    const webLink = sent.links.find((l) => l.includes("/w/"))!;

    const page = await fetch(webLink);

    expect(page.status).toBe(200);
    expect(await page.text()).toBe(sent.html.trimEnd());
    expect(sent.html).toContain("<p>Witaj Jan &lt;Kowalski&gt;</p>");
  });

  it("manages the suppression list through the API", async () => {
    const added = await client().post("/suppressions", { Email: "blocked@example.org" });
    const rejected = await send("blocked@example.org", { CheckUnsubscription: true });
    const removed = await client().call("DELETE", "/suppressions/blocked@example.org");
    const accepted = await send("blocked@example.org", { CheckUnsubscription: true });

    expect(added.json.Result).toMatchObject({ Email: "blocked@example.org", Cause: "manual" });
    expect(rejected.json.Result[0].Status).toBe("REJECTED");
    expect(removed.status).toBe(200);
    expect(accepted.json.Result[0].Status).toBe("ACCEPTED");
  });
});

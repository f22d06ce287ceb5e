// The unsubscribe page in a real browser: Debian's chromium driven by playwright-core, on the
// local platform. .ci/run installs chromium when it is missing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { simpleParser } from "mailparser";
import { hasChromium, launchChromium, noChromiumNote } from "../support/browser.ts";
import { api, eventually, mailbox, startPlatformProcess, type RunningPlatform } from "../support/platform.ts";

describe.skipIf(!hasChromium)(`the unsubscribe page in headless Chromium${noChromiumNote}`, () => {
  let platform: RunningPlatform;
  let browser: Browser;
  beforeAll(async () => {
    [platform, browser] = await Promise.all([startPlatformProcess(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  async function unsubscribeLinkOfMailTo(address: string, language: string) {
    const sent = await api(platform.info).post("/email/messages", {
      Recipients: [{ Address: address }],
      Sender: { Address: "news@example.com", Name: "La Tienda" },
      Subject: "Ofertas",
      Body: { Html: "<p>Hola</p><p>[Unsubscribe]</p>" },
      Language: language,
    });
    const messageId: string = sent.json.Result[0].MessageId;
    const entry = await eventually(async () => (await mailbox(platform.info).list(`?messageId=${messageId}`))[0], 15_000, "delivery");
    const html = String((await simpleParser(await mailbox(platform.info).raw(entry.id))).html);
    return { messageId, url: /<a href="([^"]+\/u\/[^"]+)">Darse de baja<\/a>/.exec(html)![1] };
  }

  const suppression = async (address: string) => (await api(platform.info).get(`/suppressions/${address}`)).json?.Result;

  it("lets a reader unsubscribe with one click and subscribe again", async () => {
    const { messageId, url } = await unsubscribeLinkOfMailTo("lector@example.org", "es");
    const page = await browser.newPage();
    try {
      await page.goto(url);
      expect(await page.title()).toBe("Darse de baja");
      expect(await page.locator("main p").innerText()).toBe("¿Dejar de recibir correos de La Tienda en lector@example.org?");
      expect(await suppression("lector@example.org")).toBeUndefined();

      await page.getByRole("button", { name: "Darse de baja" }).click();
      await page.getByText("Se ha dado de baja.").waitFor();

      expect(await suppression("lector@example.org")).toMatchObject({ Cause: "unsubscribed", MessageId: messageId });
      expect((await api(platform.info).get(`/email/messages/${messageId}`)).json.Result.Status).toBe("UNSUBSCRIBED");

      await page.getByRole("button", { name: "Volver a suscribirse" }).click();
      await page.getByText("Se ha vuelto a suscribir.").waitFor();

      expect(await suppression("lector@example.org")).toBeUndefined();
      expect((await api(platform.info).get(`/email/messages/${messageId}`)).json.Result.Status).toBe("SUBSCRIBED");
    } finally {
      await page.close();
    }
  });
});

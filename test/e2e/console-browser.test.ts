// The web console in a real browser: Debian's chromium driven by playwright-core against the local
// platform. It signs in, reads the statistics, finds a message sent through the API in the logs and
// its timeline, sees it counted in the statistics, adds a domain and copies a record, adds a suppression, replays webhooks, creates and revokes a key; each page is
// screenshot into test-output/console/ and scanned with axe-core, which must find nothing serious
// or critical. The page's own Content-Security-Policy stays on throughout.
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { api, eventually, startPlatformProcess, type RunningPlatform } from "../support/platform.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const SHOTS = path.resolve("test-output/console");

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

describe.skipIf(!hasChromium)(
  `the web console in headless Chromium${hasChromium ? "" : ` (skipped: no ${CHROMIUM}; run .ci/run or apt-get install chromium)`}`,
  () => {
    let platform: RunningPlatform;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let axeSource: string;
    const problems: string[] = [];

    beforeAll(async () => {
      axeSource = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
      await mkdir(SHOTS, { recursive: true });
      [platform, browser] = await Promise.all([
        startPlatformProcess(),
        chromium.launch({
          executablePath: CHROMIUM,
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
          ],
        }),
      ]);
      context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(platform.info.apiUrl).origin });
      page = await context.newPage();
      page.on("dialog", (dialog) => void dialog.accept());
      // A blocked script or style, or any error, is a failure of the console.
      page.on("console", (message) => {
        // A 404 the console asked for and handled itself (a message not found) is not a problem; a file it could not load is.
        if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) problems.push(message.text());
      });
      page.on("requestfailed", (request) => problems.push(`${request.url()}: ${request.failure()?.errorText}`));
      page.on("response", (response) => {
        if (response.status() === 404 && new URL(response.url()).pathname.startsWith("/console")) problems.push(`404 ${response.url()}`);
      });
      page.on("pageerror", (error) => problems.push(String(error)));
    });
    afterAll(async () => {
      await browser?.close();
      await platform?.stop();
    });

    /** axe-core in the page (evaluated through the browser's debugging protocol, so the page's policy stays as it is). */
    async function accessibility(name: string) {
      await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
      const violations = (await page.evaluate(
        `${axeSource}\n;axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)`,
      )) as AxeViolation[];
      const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      expect(serious.map((v) => `${name}: ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
    }

    const go = async (hash: string) => {
      await page.evaluate((h) => {
        location.hash = h;
      }, hash);
      await page.waitForFunction((h) => location.hash === h, hash);
    };
    const heading = () => page.locator("main h1").textContent();

    it("signs in with the keyboard, keeping the key out of the address and of localStorage", async () => {
      await page.goto(`${platform.info.apiUrl}/console`);
      await page.locator("#api-key").fill("ph_not-a-key");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect.poll(() => page.getByRole("alert").textContent()).toContain("This key was not accepted.");
      await page.locator("#api-key").fill("");
      await accessibility("sign-in");
      await page.keyboard.press("Tab"); // the skip link
      await page.locator("#api-key").focus();
      await page.keyboard.type(platform.info.apiKey);
      await page.keyboard.press("Enter");
      await page.locator("nav a[aria-current=page]").waitFor();
      expect(page.url()).not.toContain(platform.info.apiKey);
      expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain("ph_");
      expect(await page.evaluate(() => sessionStorage.getItem("posthaste.key"))).toBe(platform.info.apiKey);
      const policy = (await page.request.get(`${platform.info.apiUrl}/console`)).headers()["content-security-policy"];
      expect(policy).toContain("script-src 'self'");
    });

    /** The Total row's count on the statistics page for today. */
    async function totalToday() {
      await go("#/statistics");
      await page.getByRole("button", { name: "Today" }).click();
      const total = page.getByRole("row").filter({ hasText: "Total" }).locator("td").nth(1);
      await total.waitFor();
      return Number((await total.textContent())!.replace(/\D/g, ""));
    }
    let totalBefore = 0;

    it("shows today's statistics as a table and a chart", async () => {
      totalBefore = await totalToday();
      expect(await page.getByRole("row").allTextContents()).toEqual(
        expect.arrayContaining([
          expect.stringContaining("Billed"),
          expect.stringContaining("Delivered"),
          expect.stringContaining("Delivery errors"),
        ]),
      );
      await page.locator(".chart canvas").first().waitFor();
      await page.getByRole("button", { name: "Week" }).click();
      await expect.poll(() => page.getByRole("button", { name: "Week" }).getAttribute("aria-pressed")).toBe("true");
      await accessibility("statistics");
    });

    it("finds a message sent through the API and shows its timeline", async () => {
      const subject = `Console ${randomBytes(3).toString("hex")}`;
      const sent = await api(platform.info).post("/email/messages", {
        Recipients: [{ Address: "reader@example.org" }],
        Sender: { Address: "news@example.com" },
        Subject: subject,
        Body: { Html: "<p>Hello</p>", PlainText: "Hello" },
      });
      const messageId: string = sent.json.Result[0].MessageId;
      await eventually(
        async () => ((await api(platform.info).get(`/email/messages/${messageId}`)).json.Result.Status === "DELIVERED" ? true : undefined),
        20_000,
        "delivery",
      );

      await go("#/messages");
      // The 48-hour logs, filtered by recipient: the message is there, and its link opens it.
      await page.getByRole("textbox", { name: "Recipient" }).fill("reader@example.org");
      await page.getByRole("button", { name: "Show" }).click();
      await page.getByRole("link", { name: subject }).waitFor();
      await accessibility("messages");
      await page.getByRole("link", { name: subject }).click();
      await page.waitForFunction((id) => location.hash === `#/messages/${id}`, messageId);
      const timeline = page.locator("ol.timeline li");
      await expect.poll(() => timeline.count()).toBeGreaterThanOrEqual(3);
      expect(await timeline.allTextContents()).toEqual([
        expect.stringContaining("ACCEPTED"),
        expect.stringContaining("SENT"),
        expect.stringContaining("DELIVERED"),
      ]);
      expect(await page.locator("h2#message-title").textContent()).toBe(subject);
      await accessibility("message");
    });

    it("counts the message in today's statistics", async () => {
      await expect.poll(totalToday, { timeout: 15_000 }).toBe(totalBefore + 1);
    });

    it("edits a template, previews it, and shows a syntax error at its line", async () => {
      await go("#/templates/");
      await page.getByRole("textbox", { name: "Template ID" }).fill("welcome");
      await page.getByRole("textbox", { name: "Label" }).fill("Welcome");
      await page.getByRole("textbox", { name: "HTML" }).fill("<p>Hello, {{Name}}!</p>");
      await page.getByRole("textbox", { name: "Plain text" }).fill("Hello, {{Name}}!");
      await page.getByRole("button", { name: "Save and preview" }).click();
      await expect.poll(() => page.locator(".preview-text").textContent()).toBe("Hello, Anna!");
      expect(await page.frameLocator("iframe.preview").locator("p").textContent()).toBe("Hello, Anna!");
      expect((await api(platform.info).get("/email/templates/welcome")).json.Result).toMatchObject({
        Name: "Welcome",
        Html: "<p>Hello, {{Name}}!</p>",
      });
      await accessibility("template");

      await page.getByRole("textbox", { name: "HTML" }).fill("<p>Hello</p>\n<p>{{Name</p>");
      await page.getByRole("button", { name: "Save and preview" }).click();
      await expect.poll(() => page.locator("#tpl-html-error").textContent()).toMatch(/line 2/);
      // The caret is on the line at fault.
      expect(await page.evaluate(() => (document.activeElement as HTMLTextAreaElement).selectionStart)).toBe("<p>Hello</p>\n".length);
      await go("#/templates");
      await page.getByRole("link", { name: "welcome" }).waitFor();
      await accessibility("templates");
    });

    it("adds a domain, shows the records to publish, copies one and verifies", async () => {
      const domain = `c${randomBytes(3).toString("hex")}.example.net`;
      await go("#/domains");
      await page.getByRole("textbox", { name: "Domain" }).fill(domain);
      await page.getByRole("button", { name: "Add" }).click();
      await page.waitForFunction((d) => location.hash === `#/domains/${d}`, domain);
      const rows = page.locator("table tbody tr");
      await expect.poll(() => rows.count()).toBeGreaterThan(2);
      const firstName = (await rows.first().locator("td").nth(1).locator("code").textContent())!;
      await rows.first().locator("td").nth(1).getByRole("button").click();
      await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(firstName);
      await page.getByRole("button", { name: "Verify" }).click();
      await expect.poll(() => page.locator("#status").textContent()).toContain("Checked");
      expect(await page.locator("table tbody").textContent()).toContain("Missing");
      await accessibility("domain");
      await go("#/domains");
      await page.getByRole("link", { name: domain }).waitFor();
      await accessibility("domains");
    });

    it("adds an address to the suppression list", async () => {
      await go("#/suppressions");
      await page.getByLabel("Email address").fill("blocked@example.org");
      await page.getByLabel("Reason").fill("asked by phone");
      await page.getByRole("button", { name: "Add", exact: true }).click();
      await page.getByRole("cell", { name: "blocked@example.org", exact: true }).waitFor();
      expect((await api(platform.info).get("/suppressions/blocked@example.org")).json.Result).toMatchObject({
        Cause: "manual",
        Reason: "asked by phone",
      });
      await accessibility("suppressions");
    });

    it("adds a webhook, sends it a test event, and replays the parked events", async () => {
      await go("#/webhooks");
      await page.getByText("Signs the posts to recipients' callbackUrl").waitFor();
      await page.getByRole("textbox", { name: "URL" }).fill("http://127.0.0.1:9/console-hook");
      await page.getByRole("button", { name: "Add", exact: true }).click();
      await page.getByRole("button", { name: "Send a test event: http://127.0.0.1:9/console-hook" }).click();
      await expect.poll(() => page.locator("#status").textContent()).toBe("Test event queued.");
      await page.getByRole("button", { name: "Send parked events again" }).click();
      await expect.poll(() => page.locator("#status").textContent()).toMatch(/events sent again/);
      await accessibility("webhooks");
    });

    it("creates a key shown once, and revokes it", async () => {
      await go("#/keys");
      await page.getByLabel("Label").fill("console test");
      await page.getByRole("button", { name: "Create a key" }).click();
      const key = (await page.locator("#new-key").textContent())!;
      expect(key).toMatch(/^ph_/);
      await accessibility("keys");
      await page.getByRole("button", { name: "Revoke: console test" }).click();
      await page.getByRole("cell", { name: /^Revoked/ }).waitFor();
      // Never used before it was revoked, so no container remembers it: refused at once.
      expect((await api(platform.info, key).get("/api-keys")).status).toBe(401);
    });

    it("speaks Russian, and reads on a phone without sideways scrolling", async () => {
      await page.selectOption("#lang", "ru");
      await expect.poll(heading).toBe("API-ключи");
      expect(await page.locator("html").getAttribute("lang")).toBe("ru");
      await page.setViewportSize({ width: 375, height: 740 });
      await go("#/suppressions");
      await expect.poll(heading).toBe("Отписавшиеся");
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await accessibility("suppressions-ru-phone");
      await page.selectOption("#lang", "en");
    });

    it("met no blocked resource and no script error on the way", () => {
      expect(problems).toEqual([]);
    });
  },
);

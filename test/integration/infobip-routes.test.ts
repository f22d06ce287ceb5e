// The Infobip door's routes as Lambda handlers against the stand-ins (and a DNS stand-in of the
// test's own): send a multipart form with a file, read it in the logs and reports, schedule a bulk,
// move and cancel it, and add, read, verify and remove a domain. Every answer also goes through the
// contract check (test/support/contract.ts), error answers in Infobip's shape included.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHandler as makeBulks } from "../../functions/http/infobip-bulks.ts";
import { makeHandler as makeDomains } from "../../functions/http/infobip-domains.ts";
import { makeHandler as makeLogs } from "../../functions/http/infobip-logs.ts";
import { makeHandler as makeReports } from "../../functions/http/infobip-reports.ts";
import { makeHandler as makeSend } from "../../functions/http/infobip-send.ts";
import { startDnsStandIn, type DnsStandIn } from "../../local/dns-standin.ts";
import { authDeps, logsDeps, readAuthDeps, reportsDeps } from "../../shared/wiring.ts";
import { domainDeps } from "../../shared/wiring-domains.ts";
import { apiEvent, invoke } from "../support/events.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";
import { multipartForm } from "../support/fixtures.ts";

describe("the Infobip door's routes", () => {
  let t: TestEnv;
  let dns: DnsStandIn;
  let zoneDir: string;
  let apiKey: string;
  let handlers: Record<"send" | "logs" | "reports" | "bulks" | "domains", ReturnType<typeof makeLogs>>;
  const app = () => ({ authorization: `App ${apiKey}` });

  beforeAll(async () => {
    zoneDir = await mkdtemp(path.join(os.tmpdir(), "posthaste-zone-"));
    dns = await startDnsStandIn({ dataDir: zoneDir, port: 0 });
    t = await makeTestEnv({ env: { DNS_SERVERS: `127.0.0.1:${dns.port}`, DKIM_KEY_ENCRYPTION_KEY: "k".repeat(32) } });
    ({ apiKey } = await makeAccount(t.deps));
    const w = t.deps.wiring;
    handlers = {
      send: makeSend({ ...t.deps, attachmentBytes: t.config.smtpServer.attachmentBytes }),
      logs: makeLogs({ ...readAuthDeps(w), ...logsDeps(w) }),
      reports: makeReports({ ...authDeps(w), ...reportsDeps(w) }),
      bulks: makeBulks({ ...t.deps, retentionHours: t.config.retentionHours }),
      domains: makeDomains(t.deps, domainDeps(w)),
    };
  });

  afterAll(async () => {
    await dns?.close();
    await rm(zoneDir, { recursive: true, force: true });
  });

  async function send(parts: [string, string | Blob, string?][]) {
    const { contentType, body } = await multipartForm(parts);
    const event: APIGatewayProxyEventV2 = {
      ...apiEvent({ method: "POST", path: "/email/3/send", headers: { ...app(), "content-type": contentType } }),
      body: body.toString("base64"),
      isBase64Encoded: true,
    };
    return invoke(handlers.send, event);
  }

  it("sends a multipart form with a file, and finds the message in the logs and its report route", async () => {
    const sent = await send([
      ["from", "Shop <news@example.com>"],
      ["to", "ann@example.org"],
      ["subject", "Hello"],
      ["text", "Hi Ann"],
      ["attachment", new Blob(["a,b\n1,2\n"], { type: "text/csv" }), "report.csv"],
    ]);
    expect(sent.statusCode).toBe(200);
    expect(sent.json.messages).toMatchObject([{ to: "ann@example.org", status: { groupName: "PENDING" } }]);
    const { messageId } = sent.json.messages[0];

    const logs = await invoke(handlers.logs, apiEvent({ path: "/email/1/logs", query: { messageId }, headers: app() }));
    expect(logs.statusCode).toBe(200);
    expect(logs.json.results).toMatchObject([{ messageId, to: "ann@example.org", text: "Hello", channel: "EMAIL" }]);

    // Not final yet: no report to take.
    const reports = await invoke(handlers.reports, apiEvent({ path: "/email/1/reports", query: { messageId }, headers: app() }));
    expect(reports.statusCode).toBe(200);
    expect(reports.json.results).toEqual([]);
  });

  it("refuses a form without `to` and a wrong key in Infobip's error shape", async () => {
    const refused = await send([
      ["from", "news@example.com"],
      ["subject", "Hello"],
      ["text", "Hi"],
    ]);
    expect(refused.statusCode).toBe(400);
    expect(refused.json.requestError.serviceException).toMatchObject({
      messageId: "BAD_REQUEST",
      validationErrors: { to: [expect.any(String)] },
    });

    const anonymous = await invoke(handlers.logs, apiEvent({ path: "/email/1/logs", headers: { authorization: "App wrong" } }));
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json.requestError.serviceException.messageId).toBe("UNAUTHORIZED");
  });

  it("schedules a bulk, shows its time and status, moves it and cancels it", async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const sent = await send([
      ["from", "news@example.com"],
      ["to", "bob@example.org"],
      ["subject", "Later"],
      ["text", "Hi Bob"],
      ["sendAt", at],
    ]);
    expect(sent.statusCode).toBe(200);
    const { bulkId } = sent.json;
    const bulkEvent = (method: string, pathName: string, body?: unknown) =>
      apiEvent({ method, path: pathName, query: { bulkId }, headers: app(), body });

    const shown = await invoke(handlers.bulks, bulkEvent("GET", "/email/1/bulks"));
    expect(shown.statusCode).toBe(200);
    expect(shown.json.bulks).toEqual([{ bulkId, sendAt: at }]);

    const later = new Date(Date.now() + 7_200_000).toISOString();
    const moved = await invoke(handlers.bulks, bulkEvent("PUT", "/email/1/bulks", { sendAt: later }));
    expect(moved.statusCode).toBe(200);
    expect(moved.json).toEqual({ bulkId, sendAt: later });

    const pending = await invoke(handlers.bulks, bulkEvent("GET", "/email/1/bulks/status"));
    expect(pending.json.bulks).toEqual([{ bulkId, status: "PENDING" }]);

    const cancelled = await invoke(handlers.bulks, bulkEvent("PUT", "/email/1/bulks/status", { status: "CANCELED" }));
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json).toEqual({ bulkId, status: "CANCELED" });
  });

  it("adds a domain with its DNS records, lists, reads, verifies and removes it", async () => {
    const domainName = `ib${Date.now().toString(36)}.example.net`;
    const at = (suffix = "") => ({ path: `/email/1/domains/${domainName}${suffix}`, pathParameters: { domainName }, headers: app() });

    const added = await invoke(
      handlers.domains,
      apiEvent({ method: "POST", path: "/email/1/domains", headers: app(), body: { domainName } }),
    );
    expect(added.statusCode).toBe(200);
    expect(added.json).toMatchObject({ domainName, active: false });
    expect(added.json.dnsRecords.length).toBeGreaterThan(0);

    const list = await invoke(handlers.domains, apiEvent({ path: "/email/1/domains", headers: app() }));
    expect(list.json.results.map((d: { domainName: string }) => d.domainName)).toContain(domainName);

    const got = await invoke(handlers.domains, apiEvent(at()));
    expect(got.json.domainName).toBe(domainName);

    const verified = await invoke(handlers.domains, apiEvent({ method: "POST", ...at("/verify") }));
    expect(verified.statusCode).toBe(202);

    const removed = await invoke(handlers.domains, apiEvent({ method: "DELETE", ...at() }));
    expect(removed.statusCode).toBe(204);
    const gone = await invoke(handlers.domains, apiEvent(at()));
    expect(gone.statusCode).toBe(404);
    expect(gone.json.requestError.serviceException.messageId).toBe("NOT_FOUND");
  });
});

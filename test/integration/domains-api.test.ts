// The domain routes as Lambda handlers against the stand-ins and a DNS stand-in of the test's own:
// add a domain, publish its records, verify it, read it, remove it. Each answer also goes through
// the contract check (test/support/contract.ts).
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHandler as makeCreate } from "../../functions/http/domains-create.ts";
import { makeHandler as makeDelete } from "../../functions/http/domains-delete.ts";
import { makeHandler as makeGet } from "../../functions/http/domains-get.ts";
import { makeHandler as makeList } from "../../functions/http/domains-list.ts";
import { makeHandler as makeVerify } from "../../functions/http/domains-verify.ts";
import { startDnsStandIn, type DnsStandIn } from "../../local/dns-standin.ts";
import { publishRecords, zoneRecordsOf } from "../../local/dns-zone.ts";
import { sendingDomainStore } from "../../shared/wiring.ts";
import { domainDeps } from "../../shared/wiring-domains.ts";
import { apiEvent, invoke } from "../support/events.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";

describe("the domain routes", () => {
  let t: TestEnv;
  let dns: DnsStandIn;
  let zoneDir: string;
  let call: {
    create: (key: string, body: unknown) => ReturnType<typeof invoke>;
    list: (key: string) => ReturnType<typeof invoke>;
    get: (key: string, domain: string) => ReturnType<typeof invoke>;
    verify: (key: string, domain: string) => ReturnType<typeof invoke>;
    remove: (key: string, domain: string) => ReturnType<typeof invoke>;
  };

  beforeAll(async () => {
    zoneDir = await mkdtemp(path.join(os.tmpdir(), "posthaste-zone-"));
    dns = await startDnsStandIn({ dataDir: zoneDir, port: 0 });
    t = await makeTestEnv({ env: { DNS_SERVERS: `127.0.0.1:${dns.port}`, DKIM_KEY_ENCRYPTION_KEY: "k".repeat(32) } });
    const domains = domainDeps(t.deps.wiring);
    const store = { store: sendingDomainStore(t.deps.wiring) };
    const handlers = {
      create: makeCreate(t.deps, domains),
      list: makeList(t.deps, store),
      get: makeGet(t.deps, store),
      verify: makeVerify(t.deps, domains),
      remove: makeDelete(t.deps, domains),
    };
    const auth = (key: string) => ({ authorization: `Key ${key}` });
    const at = (domain: string) => ({ path: `/domains/${domain}`, pathParameters: { domain } });
    call = {
      create: (key, body) => invoke(handlers.create, apiEvent({ method: "POST", path: "/domains", headers: auth(key), body })),
      list: (key) => invoke(handlers.list, apiEvent({ path: "/domains", headers: auth(key) })),
      get: (key, domain) => invoke(handlers.get, apiEvent({ ...at(domain), headers: auth(key) })),
      verify: (key, domain) =>
        invoke(
          handlers.verify,
          apiEvent({ method: "POST", path: `/domains/${domain}/verify`, pathParameters: { domain }, headers: auth(key) }),
        ),
      remove: (key, domain) => invoke(handlers.remove, apiEvent({ method: "DELETE", ...at(domain), headers: auth(key) })),
    };
  });

  afterAll(async () => {
    await dns?.close();
    await rm(zoneDir, { recursive: true, force: true });
  });

  it("adds a domain with the records to publish, verifies it once they are published, and removes it", async () => {
    const { apiKey } = await makeAccount(t.deps);
    const domain = `d${Date.now().toString(36)}.example.net`;
    const added = await call.create(apiKey, { Domain: domain });
    expect(added.statusCode).toBe(201);
    expect(added.json.Result).toMatchObject({ Domain: domain, Status: "pending", CanSend: false });

    type Row = { Type: "TXT" | "MX" | "CNAME"; Name: string; Value: string; Priority?: number };
    const rows: Row[] = added.json.Result.Records;
    await publishRecords(zoneDir, zoneRecordsOf(rows.map((r) => ({ type: r.Type, name: r.Name, value: r.Value, priority: r.Priority }))));
    const verified = await call.verify(apiKey, domain);
    expect(verified.statusCode).toBe(200);
    expect(verified.json.Result).toMatchObject({ Domain: domain, Status: "verified", CanSend: true });

    expect((await call.list(apiKey)).json.Result.map((d: { Domain: string }) => d.Domain)).toContain(domain);
    expect((await call.get(apiKey, domain)).json.Result.Status).toBe("verified");
    expect((await call.remove(apiKey, domain)).json).toEqual({ Code: "ok" });
    expect((await call.get(apiKey, domain)).statusCode).toBe(404);
    expect((await call.create(apiKey, { Domain: "not a domain" })).statusCode).toBe(400);
  });
});

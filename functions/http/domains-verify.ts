// POST /domains/{domain}/verify: looks the domain's records up now; 200 with each record's state,
// verified or not.
import { loadConfig } from "../../shared/config.ts";
import { domainView, verifyDomain, type DomainDeps } from "../../shared/domains/index.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { domainDeps } from "../../shared/wiring-domains.ts";
import { authDeps, wiring } from "../../shared/wiring.ts";

export const makeHandler = (deps: AuthDeps, domains: DomainDeps) =>
  httpRoute({ auth: deps }, async (request) =>
    json(200, { Result: domainView(await verifyDomain(domains, request.caller, request.event.pathParameters?.domain ?? "")), Code: "ok" }),
  );

const w = wiring({ config: loadConfig() });
export const handler = makeHandler(authDeps(w), domainDeps(w));

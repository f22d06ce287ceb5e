// DELETE /domains/{domain}: removes a sending domain; mail From it is refused from then on.
import { loadConfig } from "../../shared/config.ts";
import { removeDomain, type DomainDeps } from "../../shared/domains/index.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { domainDeps } from "../../shared/wiring-domains.ts";
import { authDeps, wiring } from "../../shared/wiring.ts";

export const makeHandler = (deps: AuthDeps, domains: DomainDeps) =>
  httpRoute({ auth: deps }, async (request) => {
    await removeDomain(domains, request.caller, request.event.pathParameters?.domain ?? "");
    return json(200, { Code: "ok" });
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler(authDeps(w), domainDeps(w));

// GET /domains/{domain}: one sending domain, as its last check left it.
import { loadConfig } from "../../shared/config.ts";
import { domainView, getDomain } from "../../shared/domains/index.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import type { SendingDomainStore } from "../../shared/store/sending-domains.ts";
import { authDeps, sendingDomainStore, wiring } from "../../shared/wiring.ts";

export const makeHandler = (deps: AuthDeps, domains: { store: SendingDomainStore }) =>
  httpRoute({ auth: deps }, async (request) =>
    json(200, { Result: domainView(await getDomain(domains, request.caller, request.event.pathParameters?.domain ?? "")), Code: "ok" }),
  );

const w = wiring({ config: loadConfig() });
export const handler = makeHandler(authDeps(w), { store: sendingDomainStore(w) });

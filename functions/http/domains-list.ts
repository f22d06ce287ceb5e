// GET /domains: the account's sending domains, their records and states.
import { loadConfig } from "../../shared/config.ts";
import { domainView, listDomains } from "../../shared/domains/index.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import type { SendingDomainStore } from "../../shared/store/sending-domains.ts";
import { authDeps, sendingDomainStore, wiring } from "../../shared/wiring.ts";

export const makeHandler = (deps: AuthDeps, domains: { store: SendingDomainStore }) =>
  httpRoute({ auth: deps }, async (request) =>
    json(200, { Result: (await listDomains(domains, request.caller)).map(domainView), Code: "ok" }),
  );

const w = wiring({ config: loadConfig() });
export const handler = makeHandler(authDeps(w), { store: sendingDomainStore(w) });

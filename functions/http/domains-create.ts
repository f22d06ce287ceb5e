// POST /domains: adds a sending domain; the answer (201) holds the DNS records to publish and what DNS holds now.
import { loadConfig } from "../../shared/config.ts";
import { createDomain, domainView, type DomainDeps } from "../../shared/domains/index.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { domainDeps } from "../../shared/wiring-domains.ts";
import { authDeps, secretsRefresh, wiring } from "../../shared/wiring.ts";

export const makeHandler = (deps: AuthDeps, domains: DomainDeps, refreshSecrets?: () => Promise<void>) =>
  httpRoute({ auth: deps, json: true, maxBodyBytes: 4 * 1024, refreshSecrets }, async (request) =>
    json(201, { Result: domainView(await createDomain(domains, request.caller, request.body)), Code: "ok" }),
  );

const w = wiring({ config: loadConfig() });
export const handler = makeHandler(authDeps(w), domainDeps(w), secretsRefresh(w));

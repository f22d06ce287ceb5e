// /email/1/domains: Infobip's domain routes (add, list, get, verify, delete) over the domains service (docs/moving-from-infobip.md).
// The body is read by the add route alone: Infobip's SDK sends a JSON content type with every request, bodiless GETs included.
import { loadConfig } from "../../shared/config.ts";
import type { DomainDeps } from "../../shared/domains/index.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import {
  addInfobipDomain,
  deleteInfobipDomain,
  getInfobipDomain,
  infobipCredentials,
  infobipErrorResponse,
  listInfobipDomains,
  verifyInfobipDomain,
} from "../../shared/infobip/index.ts";
import { domainDeps } from "../../shared/wiring-domains.ts";
import { authDeps, wiring } from "../../shared/wiring.ts";

export const makeHandler = (deps: AuthDeps, domains: DomainDeps) =>
  httpRoute({ auth: deps, credentials: infobipCredentials, errors: infobipErrorResponse, maxBodyBytes: 4 * 1024 }, async (request) => {
    const method = request.event.requestContext.http.method;
    const name = request.event.pathParameters?.domainName;
    const verify = request.event.rawPath?.endsWith("/verify");
    if (method === "POST" && verify) {
      await verifyInfobipDomain(domains, request.caller, name ?? "");
      // Infobip answers 202: the check's outcome is read with GET.
      return { statusCode: 202, body: "" };
    }
    if (method === "POST") return json(200, await addInfobipDomain(domains, request.caller, request.rawBody));
    if (method === "DELETE") {
      await deleteInfobipDomain(domains, request.caller, name ?? "");
      return { statusCode: 204, body: "" };
    }
    if (name !== undefined) return json(200, await getInfobipDomain(domains, request.caller, name));
    return json(200, await listInfobipDomains(domains, request.caller, request.event.queryStringParameters ?? {}));
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler(authDeps(w), domainDeps(w));

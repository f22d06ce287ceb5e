// GET /openapi.json and GET /docs: the OpenAPI document of every route in the manifest, and the
// same as a page to read (docs/openapi.md). Built once per container.
import { loadConfig } from "../../shared/config.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { openApiDocument, referencePage } from "../../shared/openapi/index.ts";
import { ROUTES } from "../manifest.ts";

const PAGE_POLICY = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const makeHandler = (config: { publicUrl: string }) => {
  let document: ReturnType<typeof openApiDocument> | undefined;
  const built = () => (document ??= openApiDocument(ROUTES, { serverUrl: config.publicUrl || undefined }));
  return httpRoute({ auth: false }, async (request) => {
    if (request.event.routeKey === "GET /docs") {
      return {
        statusCode: 200,
        headers: {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy": PAGE_POLICY,
          "x-content-type-options": "nosniff",
        },
        body: referencePage(built() as unknown as Record<string, unknown>),
      };
    }
    return json(200, built(), { "access-control-allow-origin": "*" });
  });
};

export const handler = makeHandler(loadConfig());

// The contract check: every request a test sends through invoke() (test/support/events.ts) and the
// answer it got are held against the OpenAPI document. An answer whose status the document does
// not list for its route, or whose JSON does not fit the documented schema, fails the test that
// got it. Each checked route is written down, so the integration run can tell which routes no
// test reached (global-setup.ts). Routes added later are covered the moment a test calls them.
import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { ROUTES } from "../../functions/manifest.ts";
import { openApiDocument } from "../../shared/openapi/index.ts";

type Json = Record<string, any>;

export const CONTRACT_DIR = path.resolve("test-output/contract");

let compiled:
  | { document: Json; ajv: InstanceType<typeof Ajv2020.default>; operations: { method: string; pattern: RegExp; id: string; op: Json }[] }
  | undefined;

function contract() {
  if (compiled) return compiled;
  const document = openApiDocument(ROUTES) as Json;
  const ajv = new Ajv2020.default({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: "posthaste:components", components: document.components ?? {} });
  const operations = Object.entries(document.paths as Record<string, Json>).flatMap(([template, item]) =>
    Object.entries(item).map(([method, op]) => ({
      method: method.toUpperCase(),
      pattern: new RegExp(`^${template.replace(/\{\w+\}/g, "[^/]+")}$`),
      id: op.operationId as string,
      op,
    })),
  );
  compiled = { document, ajv, operations };
  return compiled;
}

/** `#/components/...` refs point into the components schema added above. */
const rebase = (schema: unknown): unknown =>
  JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"posthaste:components#/components/'));

const validators = new Map<unknown, (data: unknown) => boolean>();

function validatorFor(schema: unknown) {
  let validate = validators.get(schema);
  if (!validate) {
    const { ajv } = contract();
    validate = ajv.compile(rebase(schema) as object) as unknown as (data: unknown) => boolean;
    validators.set(schema, validate);
  }
  return validate as ((data: unknown) => boolean) & { errors?: unknown };
}

function record(operationId: string) {
  mkdirSync(CONTRACT_DIR, { recursive: true });
  appendFileSync(path.join(CONTRACT_DIR, `covered-${process.pid}.txt`), `${operationId}\n`);
}

/** Throws, naming the route and what does not fit, when the answer is not one the document describes. */
export function checkContract(event: APIGatewayProxyEventV2, result: APIGatewayProxyStructuredResultV2) {
  const method = event.requestContext.http.method.toUpperCase();
  const rawPath = event.rawPath;
  const found = contract().operations.find((o) => o.method === method && o.pattern.test(rawPath));
  if (!found) throw new Error(`Contract: no route of the OpenAPI document matches ${method} ${rawPath}`);
  const where = `${found.id} (${method} ${rawPath}) answered ${result.statusCode}`;
  const response = found.op.responses[String(result.statusCode)];
  if (!response) throw new Error(`Contract: ${where}, a status the document does not list for it`);
  const type = String(result.headers?.["content-type"] ?? "")
    .split(";")[0]
    .trim();
  const content = response.content as Json | undefined;
  if (content && !(type in content) && !("*/*" in content)) {
    throw new Error(`Contract: ${where} with content-type ${type || "(none)"}; the document says ${Object.keys(content).join(", ")}`);
  }
  if (type === "application/json" && content?.[type]?.schema) {
    const validate = validatorFor(content[type].schema);
    const body = result.body ? JSON.parse(result.body) : undefined;
    if (!validate(body)) {
      throw new Error(`Contract: ${where} with a body that does not fit the document: ${JSON.stringify(validate.errors)}\n${result.body}`);
    }
  }
  record(found.id);
}

// The OpenAPI document: every manifest route in it, every error a route can give listed under its
// status, every schema a valid JSON Schema, and the examples fit the schemas they illustrate.
import Ajv2020 from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { ROUTES } from "../../functions/manifest.ts";
import { ERROR_CODES } from "../../shared/domain/errors.ts";
import { infobipFace } from "../../shared/infobip/index.ts";
import { errorCodesOf, openApiDocument, operationsOf, ROUTE_DOCS } from "../../shared/openapi/index.ts";

type Json = Record<string, any>;
const document = openApiDocument(ROUTES, { serverUrl: "https://api.example.com" }) as Json;

describe("the OpenAPI document", () => {
  it("has every route of the manifest, and each of its `also` pairs, under its path and method", () => {
    const missing = operationsOf(ROUTES).filter(
      (route) => document.paths[route.path]?.[route.method.toLowerCase()]?.operationId !== route.name,
    );
    expect(missing.map((route) => `${route.method} ${route.path} (${route.name})`)).toEqual([]);
  });

  it("leaves out a route it has no description of, which the check above then names", () => {
    const partial = openApiDocument([...ROUTES, { name: "NotDescribed", method: "GET", path: "/nowhere" }]) as Json;
    expect(partial.paths["/nowhere"]).toBeUndefined();
    expect(Object.keys(ROUTE_DOCS)).not.toContain("NotDescribed");
  });

  it("is OpenAPI 3.1 with the two ways to pass a key, and public routes need none", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.servers).toEqual([{ url: "https://api.example.com" }]);
    expect(document.components.securitySchemes.ApiKey).toMatchObject({ type: "apiKey", in: "header", name: "Authorization" });
    expect(document.components.securitySchemes.Bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(document.paths["/t/o/{token}"].get.security).toEqual([]);
    expect(document.paths["/email/messages"].post.security).toBeUndefined();
  });

  it("lists every error a route can give under its HTTP status, with the one error shape and an example per code", () => {
    for (const route of operationsOf(ROUTES)) {
      const op = document.paths[route.path][route.method.toLowerCase()];
      const doc = ROUTE_DOCS[route.name];
      for (const code of errorCodesOf(doc, route.path.includes("{"))) {
        if (doc.errorShape === "infobip") {
          // The Infobip door's routes answer in Infobip's statuses and shape.
          const face = infobipFace(ERROR_CODES[code].http);
          const response = op.responses[String(face.status)];
          expect(response, `${route.name} ${code}`).toBeDefined();
          expect(response.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/InfobipError" });
          expect(response.content["application/json"].examples[code].value.requestError.serviceException.messageId).toBe(face.messageId);
          continue;
        }
        const response = op.responses[String(ERROR_CODES[code].http)];
        expect(response, `${route.name} ${code}`).toBeDefined();
        if (response.content?.["application/json"]?.examples) {
          expect(response.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Error" });
          expect(response.content["application/json"].examples[code].value.Code).toBe(code);
        }
      }
    }
    const send = document.paths["/email/messages"].post.responses;
    expect(Object.keys(send)).toEqual(expect.arrayContaining(["200", "400", "401", "403", "409", "413", "415", "422", "429", "500"]));
    expect(document.paths["/webhooks"].post.responses["403"].description).toContain("forbidden");
  });

  it("describes the Infobip door: its multipart send, its answers, its error shape and its App and Basic keys", () => {
    const send = document.paths["/email/3/send"].post;
    expect(Object.keys(send.requestBody.content)).toEqual(["multipart/form-data"]);
    expect(document.components.schemas.InfobipSendForm.properties.attachment).toMatchObject({ format: "binary" });
    expect(send.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/InfobipSendResult" });
    expect(Object.keys(send.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "403", "429", "500"]));
    expect(send.responses["413"]).toBeUndefined();
    expect(send.security).toEqual(expect.arrayContaining([{ InfobipApp: [] }, { Basic: [] }]));
    expect(document.components.securitySchemes.Basic).toMatchObject({ type: "http", scheme: "basic" });
    // A route's `also` pairs: each under its own path, method and name.
    expect(document.paths["/email/1/domains/{domainName}/verify"].post.operationId).toBe("InfobipVerifyDomain");
    expect(document.paths["/email/1/bulks/status"].put.operationId).toBe("InfobipUpdateBulkStatus");
    expect(document.paths["/email/1/domains/{domainName}"].delete.responses["404"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/InfobipError",
    });
  });

  it("describes parameters and bodies from the schemas the handlers validate with", () => {
    const list = document.paths["/suppressions"].get.parameters;
    expect(list.find((p: Json) => p.name === "cause")).toMatchObject({
      in: "query",
      schema: { enum: ["unsubscribed", "hard_bounce", "complaint", "manual"] },
    });
    expect(document.paths["/email/messages/{messageId}"].get.parameters).toEqual([
      expect.objectContaining({ in: "path", name: "messageId", required: true }),
    ]);
    const send = document.paths["/email/messages"].post;
    expect(send.parameters).toEqual([expect.objectContaining({ in: "header", name: "idempotency-key" })]);
    const sendSchema = document.components.schemas.SendRequest;
    expect(sendSchema.required).toEqual(expect.arrayContaining(["Recipients", "Sender"]));
    expect(Object.keys(sendSchema.properties)).toEqual(expect.arrayContaining(["Subject", "Body", "TemplateId"]));
    expect(sendSchema.properties.Recipients).toMatchObject({ minItems: 1, maxItems: 1000 });
  });

  it("has schemas that compile, and examples that fit them", () => {
    const ajv = new Ajv2020.default({ strict: false, validateFormats: false });
    ajv.addSchema({ $id: "doc", components: document.components });
    const compile = (schema: unknown) => ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')));
    for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
      for (const op of Object.values(item)) {
        for (const media of Object.values((op.requestBody?.content ?? {}) as Record<string, Json>)) {
          const validate = compile(media.schema);
          if (media.example) expect(validate(media.example), `${path} example: ${JSON.stringify(validate.errors)}`).toBe(true);
        }
        for (const response of Object.values(op.responses as Record<string, Json>)) {
          for (const media of Object.values((response.content ?? {}) as Record<string, Json>)) {
            const validate = compile(media.schema);
            for (const example of Object.values((media.examples ?? {}) as Record<string, Json>)) expect(validate(example.value)).toBe(true);
          }
        }
      }
    }
    for (const [name, schema] of Object.entries(document.components.schemas as Record<string, Json>)) {
      if (schema.example) expect(compile({ $ref: `#/components/schemas/${name}` })(schema.example), name).toBe(true);
    }
  });
});

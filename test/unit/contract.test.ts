// The contract check the integration tests run every answer through (test/support/contract.ts):
// it must refuse an answer that drifted from the OpenAPI document, not only pass good ones.
import { describe, expect, it } from "vitest";
import { checkContract } from "../support/contract.ts";
import { apiEvent } from "../support/events.ts";

const suppression = { Email: "a@example.org", Cause: "manual", CreatedAt: "2026-01-01T00:00:00.000Z" };
const answer = (statusCode: number, body: unknown, type = "application/json; charset=utf-8") => ({
  statusCode,
  headers: { "content-type": type },
  body: typeof body === "string" ? body : JSON.stringify(body),
});
const get = apiEvent({ path: "/suppressions/a%40example.org", pathParameters: { email: "a@example.org" } });

describe("the contract check", () => {
  it("passes an answer the document describes, success or error", () => {
    expect(() => checkContract(get, answer(200, { Result: suppression, Code: "ok" }))).not.toThrow();
    expect(() =>
      checkContract(get, answer(404, { Code: "not_found", Description: "a@example.org is not on the suppression list" })),
    ).not.toThrow();
  });

  it("refuses a field the document does not have", () => {
    expect(() => checkContract(get, answer(200, { Result: { ...suppression, Secret: "x" }, Code: "ok" }))).toThrow(/does not fit/);
  });

  it("refuses a missing field, a wrong type and an unknown error code", () => {
    expect(() => checkContract(get, answer(200, { Result: { Email: "a@example.org" }, Code: "ok" }))).toThrow(/does not fit/);
    expect(() => checkContract(get, answer(200, { Result: { ...suppression, Cause: "whim" }, Code: "ok" }))).toThrow(/does not fit/);
    expect(() => checkContract(get, answer(404, { Code: "gone", Description: "x" }))).toThrow(/does not fit/);
  });

  it("refuses a status the document does not list for the route, and another media type", () => {
    expect(() => checkContract(get, answer(201, { Result: suppression, Code: "ok" }))).toThrow(/does not list/);
    expect(() => checkContract(get, answer(200, "<p>hi</p>", "text/html"))).toThrow(/content-type text\/html/);
  });

  it("refuses a request to a path the document does not have", () => {
    expect(() => checkContract(apiEvent({ path: "/nowhere" }), answer(200, {}))).toThrow(/no route/);
  });
});

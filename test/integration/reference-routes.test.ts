// The public routes with no data behind them: the OpenAPI document, its reference page and the
// console's files, each with its Content-Security-Policy (run through the contract check like every route).
import { describe, expect, it } from "vitest";
import { handler as consoleHandler } from "../../functions/http/console.ts";
import { makeHandler as makeOpenApi } from "../../functions/http/openapi.ts";
import { ROUTES } from "../../functions/manifest.ts";
import { apiEvent, invoke } from "../support/events.ts";

const openApi = makeOpenApi({ publicUrl: "https://mail.example.com" });
const asset = (file: string) => invoke(consoleHandler, apiEvent({ path: `/console/${file}`, pathParameters: { file } }));

describe("the reference routes", () => {
  it("serves the OpenAPI document with every route, and the server it is on", async () => {
    const answer = await invoke(openApi, apiEvent({ path: "/openapi.json" }));
    expect(answer.statusCode).toBe(200);
    expect(answer.json.servers).toEqual([{ url: "https://mail.example.com" }]);
    for (const route of ROUTES) expect(answer.json.paths[route.path][route.method.toLowerCase()].operationId).toBe(route.name);
  });

  it("serves the reference page without any script", async () => {
    const page = await invoke(openApi, apiEvent({ path: "/docs" }));
    expect(page.statusCode).toBe(200);
    expect(page.headers?.["content-security-policy"]).toMatch(/default-src 'none'/);
    expect(page.body).toContain("<code>/email/messages</code>");
    expect(page.body).toContain('id="schema-SendRequest"');
    expect(page.body).not.toMatch(/<script/i);
  });

  it("serves the console's page and files with a strict policy, and nothing else", async () => {
    const page = await invoke(consoleHandler, apiEvent({ path: "/console" }));
    expect(page.statusCode).toBe(200);
    const policy = String(page.headers?.["content-security-policy"]);
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).not.toContain("unsafe");
    // No inline script: every script tag names a file of this origin.
    const scripts = [...String(page.body).matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="\/console\/[\w.]+"/);
      expect(body.trim()).toBe("");
    }
    expect(page.body).not.toMatch(/https?:\/\//);

    const app = await asset("app.js");
    expect(app.headers?.["content-type"]).toMatch(/^text\/javascript/);
    expect((await asset("uPlot.iife.min.js")).statusCode).toBe(200);
    expect((await asset("..%2Fpackage.json")).statusCode).toBe(404);
    expect((await asset("secrets.txt")).statusCode).toBe(404);
  });

  it("keeps the console's scripts under 200 KB together", async () => {
    let total = 0;
    for (const file of ["app.js", "i18n.js", "uPlot.iife.min.js"]) total += Buffer.byteLength(String((await asset(file)).body));
    expect(total).toBeLessThan(200 * 1024);
  });
});

// The template API as Lambda handlers against the stand-ins: save (checked), read, list by pages,
// replace, preview, delete; each account sees only its own.
import { beforeAll, describe, expect, it } from "vitest";
import { makeHandler as makeCreate } from "../../functions/http/templates-create.ts";
import { makeHandler as makeDelete } from "../../functions/http/templates-delete.ts";
import { makeHandler as makeGet } from "../../functions/http/templates-get.ts";
import { makeHandler as makeList } from "../../functions/http/templates-list.ts";
import { makeHandler as makePut } from "../../functions/http/templates-put.ts";
import { makeHandler as makeRender } from "../../functions/http/templates-render.ts";
import { apiEvent, invoke } from "../support/events.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";

describe("the template API", () => {
  let t: TestEnv;
  let h: {
    create: ReturnType<typeof makeCreate>;
    put: ReturnType<typeof makePut>;
    get: ReturnType<typeof makeGet>;
    list: ReturnType<typeof makeList>;
    remove: ReturnType<typeof makeDelete>;
    render: ReturnType<typeof makeRender>;
  };
  let apiKey: string;
  const auth = (key = apiKey) => ({ authorization: `Key ${key}` });

  const create = (body: unknown, key?: string) =>
    invoke(h.create, apiEvent({ method: "POST", path: "/email/templates", headers: auth(key), body }));
  const put = (templateId: string, body: unknown, key?: string) =>
    invoke(
      h.put,
      apiEvent({ method: "PUT", path: `/email/templates/${templateId}`, pathParameters: { templateId }, headers: auth(key), body }),
    );
  const get = (templateId: string, key?: string) =>
    invoke(h.get, apiEvent({ path: `/email/templates/${templateId}`, pathParameters: { templateId }, headers: auth(key) }));
  const list = (query: Record<string, string>, key?: string) =>
    invoke(h.list, apiEvent({ path: "/email/templates", query, headers: auth(key) }));
  const remove = (templateId: string, key?: string) =>
    invoke(
      h.remove,
      apiEvent({ method: "DELETE", path: `/email/templates/${templateId}`, pathParameters: { templateId }, headers: auth(key) }),
    );
  const render = (templateId: string, body: unknown, key?: string) =>
    invoke(
      h.render,
      apiEvent({ method: "POST", path: `/email/templates/${templateId}/render`, pathParameters: { templateId }, headers: auth(key), body }),
    );

  beforeAll(async () => {
    t = await makeTestEnv();
    const deps = { ...t.deps, templates: t.deps.templates };
    h = {
      create: makeCreate(deps),
      put: makePut(deps),
      get: makeGet(deps),
      list: makeList(deps),
      remove: makeDelete(deps),
      render: makeRender(deps),
    };
    ({ apiKey } = await makeAccount(t.deps));
  });

  it("saves a template, shows it with its times, replaces it and deletes it", async () => {
    const created = await create({ Name: "Welcome", Engine: "velocity", Subject: "Hi $Name", Html: "<p>Hello $Name</p>" });
    expect(created.statusCode).toBe(201);
    const id = created.json.Result.Id;
    expect(created.json.Result).toMatchObject({ Name: "Welcome", Engine: "velocity", Subject: "Hi $Name", Html: "<p>Hello $Name</p>" });
    expect(created.json.Result.CreatedAt).toBe(created.json.Result.UpdatedAt);

    const replaced = await put(id, { Name: "Welcome 2", Engine: "simple", Html: "<p>Hello {{Name}}</p>" });
    expect(replaced.statusCode).toBe(200);
    const shown = await get(id);
    expect(shown.json.Result).toMatchObject({ Id: id, Name: "Welcome 2", Engine: "simple", Html: "<p>Hello {{Name}}</p>" });
    expect(shown.json.Result.Subject).toBeUndefined();
    expect(Date.parse(shown.json.Result.UpdatedAt)).toBeGreaterThan(Date.parse(shown.json.Result.CreatedAt));

    expect((await remove(id)).json).toEqual({ Result: { Id: id, Removed: true }, Code: "ok" });
    expect((await get(id)).statusCode).toBe(404);
    expect((await remove(id)).statusCode).toBe(404);
  });

  it("creates under the id PUT names, so templates moved from another provider keep their ids", async () => {
    const answer = await put("37f186b3-1de2-4202-ab37-f8dd0b36ed68", { Name: "Moved", Html: "<p>{{DiscountCode}}</p>" });
    expect(answer.statusCode).toBe(201);
    expect((await get("37f186b3-1de2-4202-ab37-f8dd0b36ed68")).json.Result.Name).toBe("Moved");
  });

  it("refuses a Velocity syntax error or an unbalanced {{ with the field, line and column", async () => {
    const unclosed = await create({ Name: "x", Engine: "velocity", Html: "<p>\n#if($a)\nyes\n</p>" });
    expect(unclosed.statusCode).toBe(400);
    expect(unclosed.json.Reasons[0]).toMatchObject({ key: "invalid_template", ref: "Html" });
    expect(unclosed.json.Description).toMatch(/^Html at line 2, column 1: /);

    const braces = await create({ Name: "x", Engine: "simple", Subject: "ok", Text: "Hello\n  {{Name" });
    expect(braces.statusCode).toBe(400);
    expect(braces.json.Description).toBe("Text at line 2, column 3: {{ is never closed with }}");

    const method = await create({ Name: "x", Engine: "velocity", Html: '$Name.getClass().forName("java.lang.Runtime")' });
    expect(method.statusCode).toBe(400);
    expect(method.json.Reasons[0]).toMatchObject({ key: "invalid_template", ref: "Html" });
  });

  it("refuses unknown fields and an empty body, naming them", async () => {
    const unknown = await create({ Name: "x", Html: "<p>x</p>", Body: "<p>x</p>" });
    expect(unknown.json.Reasons).toEqual([{ key: "unknown_field", ref: "Body" }]);
    const empty = await create({ Name: "x" });
    expect(empty.statusCode).toBe(400);
    expect(empty.json.Reasons[0]).toMatchObject({ key: "body_required" });
  });

  it("lists without bodies, a page at a time", async () => {
    const { apiKey: key } = await makeAccount(t.deps);
    for (const n of [1, 2, 3]) await put(`page-${n}`, { Name: `Page ${n}`, Html: "<p>x</p>" }, key);
    const first = await list({ limit: "2" }, key);
    expect(first.json.Result.map((r: { Id: string }) => r.Id)).toEqual(["page-1", "page-2"]);
    expect(first.json.Result[0].Html).toBeUndefined();
    const second = await list({ limit: "2", cursor: first.json.Cursor }, key);
    expect(second.json.Result.map((r: { Id: string }) => r.Id)).toEqual(["page-3"]);
    expect(second.json.Cursor).toBeUndefined();
    expect((await list({ limit: "0" }, key)).statusCode).toBe(400);
  });

  it("keeps each account's templates to itself: another account's id answers as unknown", async () => {
    const mine = await create({ Name: "Mine", Html: "<p>mine</p>" });
    const { apiKey: other } = await makeAccount(t.deps);
    expect((await get(mine.json.Result.Id, other)).statusCode).toBe(404);
    expect((await render(mine.json.Result.Id, {}, other)).statusCode).toBe(404);
    expect((await remove(mine.json.Result.Id, other)).statusCode).toBe(404);
    expect((await get(mine.json.Result.Id)).statusCode).toBe(200);
  });

  it("previews with sample merge fields, naming those the template reads and nobody gave", async () => {
    const created = await create({
      Name: "Order",
      Engine: "velocity",
      Subject: "Order $Number",
      Html: "#foreach($i in $Items)<li>$i</li>#end $Missing",
    });
    const preview = await render(created.json.Result.Id, { MergeFields: { Number: 42, Items: ["a", "<b>"] } });
    expect(preview.statusCode).toBe(200);
    expect(preview.json.Result).toMatchObject({ Subject: "Order 42", Html: "<li>a</li><li>&lt;b&gt;</li> ", MissingFields: ["Missing"] });
  });

  it("ends a runaway preview with a clear error instead of running on", async () => {
    const loop = await create({
      Name: "Loop",
      Engine: "velocity",
      Html: "#foreach($i in $Items)#foreach($j in $Items)#foreach($k in $Items)x#end#end#end",
    });
    expect(loop.statusCode).toBe(201);
    const preview = await render(loop.json.Result.Id, { MergeFields: { Items: Array.from({ length: 1000 }, (_, i) => i) } });
    expect(preview.statusCode).toBe(400);
    expect(preview.json.Reasons).toEqual([{ key: "invalid_template", ref: "Html" }]);
    expect(preview.json.Description).toMatch(/^Html/);
  });
});

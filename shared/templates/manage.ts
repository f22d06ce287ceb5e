// The template API (docs/templates.md): create, read, list, replace, delete and preview stored
// templates. A template belongs to the caller's account, and to the project of a project key:
// such a key sees and uses its own project's templates and the account-wide ones.
import * as z from "zod/mini";
import type { Caller } from "../domain/account.ts";
import { AppError } from "../domain/errors.ts";
import { newId } from "../domain/ids.ts";
import { parseOrThrow } from "../domain/reasons.ts";
import { isTemplateId, isTemplateOf, TEMPLATE_ENGINES, type Template, type TemplateContent } from "../domain/template.ts";
import { isTemplateError, substitute, valuesFor } from "../render/index.ts";
import type { TemplateStore } from "../store/templates.ts";
import { contentProblems, describeProblem, TEMPLATE_FIELDS } from "./validate.ts";

export interface TemplateDeps {
  templates: TemplateStore;
}

const contentShape = {
  Name: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
  Engine: z.optional(z.enum(TEMPLATE_ENGINES)),
  Subject: z.optional(z.string().check(z.maxLength(998))),
  Html: z.optional(z.string()),
  Text: z.optional(z.string()),
};
export const contentSchema = z.strictObject(contentShape);
export const createSchema = z.strictObject({
  ...contentShape,
  Id: z.optional(z.string().check(z.refine(isTemplateId, { message: "invalid_value" }))),
});

const scalar = z.pipe(z.union([z.string(), z.number(), z.boolean()]), z.transform(String));
export const renderSchema = z.strictObject({
  MergeFields: z.optional(z.record(z.string(), z.union([scalar, z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]))),
  Address: z.optional(z.string().check(z.maxLength(254))),
  Name: z.optional(z.string().check(z.maxLength(256))),
});

export function templateView(template: Template, withBody = true) {
  return {
    Id: template.templateId,
    Name: template.name,
    Engine: template.engine,
    ...(template.subject ? { Subject: template.subject } : {}),
    ...(withBody && template.html ? { Html: template.html } : {}),
    ...(withBody && template.text ? { Text: template.text } : {}),
    ...(template.projectId ? { ProjectId: template.projectId } : {}),
    CreatedAt: new Date(template.createdAt).toISOString(),
    UpdatedAt: new Date(template.updatedAt).toISOString(),
  };
}

const notFound = (templateId: string) =>
  new AppError("not_found", { message: `Template ${templateId} not found`, reasons: [{ key: "template_not_found", ref: "id" }] });

function contentOf(input: z.infer<typeof contentSchema>): TemplateContent {
  const content: TemplateContent = {
    name: input.Name,
    engine: input.Engine ?? "simple",
    subject: input.Subject || undefined,
    html: input.Html || undefined,
    text: input.Text || undefined,
  };
  const problems = contentProblems(content);
  if (problems.length > 0) {
    throw new AppError("validation_error", {
      message: problems[0].message,
      reasons: problems.map(({ key, ref, message }) => ({ key, ref, message })),
    });
  }
  return content;
}

/** The caller's template, or not_found: another account's (or another project's) id answers exactly like an unknown one. */
export async function ownTemplate(deps: TemplateDeps, caller: Caller, templateId: string): Promise<Template> {
  const template = isTemplateId(templateId) ? await deps.templates.get(caller.accountId, templateId) : undefined;
  if (!template || !isTemplateOf(template, caller)) throw notFound(templateId);
  return template;
}

export async function createTemplate(deps: TemplateDeps, caller: Caller, input: unknown, now = Date.now()): Promise<Template> {
  const request = parseOrThrow(createSchema, input ?? {});
  const template: Template = {
    templateId: request.Id ?? newId(),
    accountId: caller.accountId,
    ...(caller.projectId ? { projectId: caller.projectId } : {}),
    ...contentOf(request),
    createdAt: now,
    updatedAt: now,
  };
  if (!(await deps.templates.create(template))) {
    throw new AppError("conflict", {
      message: `Template ${template.templateId} already exists: replace it with PUT /email/templates/${template.templateId}`,
      reasons: [{ key: "duplicate", ref: "Id" }],
    });
  }
  return template;
}

/**
 * PUT: replaces the template's content, or creates it under this id (so templates moved from
 * another provider keep their ids). `created` tells which.
 */
export async function putTemplate(
  deps: TemplateDeps,
  caller: Caller,
  templateId: string,
  input: unknown,
  now = Date.now(),
): Promise<{ template: Template; created: boolean }> {
  if (!isTemplateId(templateId)) {
    throw new AppError("validation_error", {
      message: "A template id is 1 to 64 letters, digits, - and _, starting with a letter or digit",
      reasons: [{ key: "invalid_value", ref: "id" }],
    });
  }
  const content = contentOf(parseOrThrow(contentSchema, input ?? {}));
  const existing = await deps.templates.get(caller.accountId, templateId);
  if (!existing) {
    const template: Template = {
      templateId,
      accountId: caller.accountId,
      ...(caller.projectId ? { projectId: caller.projectId } : {}),
      ...content,
      createdAt: now,
      updatedAt: now,
    };
    if (await deps.templates.create(template)) return { template, created: true };
    throw concurrentChange(templateId);
  }
  if (!isTemplateOf(existing, caller)) {
    throw new AppError("conflict", {
      message: `Template id ${templateId} is used by another project of this account`,
      reasons: [{ key: "duplicate", ref: "id" }],
    });
  }
  const template: Template = { ...existing, ...content, updatedAt: Math.max(now, existing.updatedAt + 1) };
  if (!(await deps.templates.replace(template, existing))) throw concurrentChange(templateId);
  return { template, created: false };
}

const concurrentChange = (templateId: string) =>
  new AppError("conflict", { message: `Template ${templateId} was changed by another request meanwhile: read it and try again` });

export async function deleteTemplate(deps: TemplateDeps, caller: Caller, templateId: string): Promise<void> {
  await ownTemplate(deps, caller, templateId);
  if (!(await deps.templates.remove(caller.accountId, templateId))) throw notFound(templateId);
}

const listQuery = z.strictObject({
  limit: z.optional(
    z
      .pipe(z.string().check(z.regex(/^\d+$/, { message: "invalid_value" })), z.transform(Number))
      .check(z.refine((n: number) => n >= 1 && n <= 100, { message: "invalid_value" })),
  ),
  cursor: z.optional(z.string()),
});

/** GET /email/templates?limit=&cursor=: a page of summaries (no bodies), in id order. */
export async function listTemplates(deps: TemplateDeps, caller: Caller, query: Record<string, string | undefined>) {
  const { limit = 50, cursor } = parseOrThrow(listQuery, query);
  const after = cursor === undefined ? undefined : Buffer.from(cursor, "base64url").toString("utf8");
  if (after !== undefined && !isTemplateId(after)) {
    throw new AppError("validation_error", {
      message: "cursor is not one this API returned",
      reasons: [{ key: "invalid_cursor", ref: "cursor" }],
    });
  }
  const page = await deps.templates.list(caller.accountId, { after, limit, projectId: caller.projectId });
  return {
    Result: page.templates.map((template) => templateView(template, false)),
    ...(page.next ? { Cursor: Buffer.from(page.next, "utf8").toString("base64url") } : {}),
    Code: "ok",
  };
}

/**
 * POST /email/templates/{id}/render: the template rendered with sample substitutions, by the same
 * engine and sandbox as delivery (without the links and tracking a real message gets).
 */
export async function previewTemplate(deps: TemplateDeps, caller: Caller, templateId: string, input: unknown) {
  const template = await ownTemplate(deps, caller, templateId);
  const request = parseOrThrow(renderSchema, input ?? {});
  const fields: Record<string, string> = {};
  const structured: string[] = [];
  for (const [name, value] of Object.entries(request.MergeFields ?? {})) {
    if (value !== null && typeof value === "object") {
      fields[name] = JSON.stringify(value);
      structured.push(name);
    } else fields[name] = value ?? "";
  }
  const values = valuesFor({ address: request.Address ?? "", name: request.Name }, fields, structured);
  const missing = new Set<string>();
  const rendered: Record<string, string> = {};
  for (const [part, field] of Object.entries(TEMPLATE_FIELDS) as [keyof typeof TEMPLATE_FIELDS, string][]) {
    const source = template[part];
    if (!source) continue;
    try {
      const result = substitute(template.engine, source, values, part === "html");
      rendered[field] = result.output;
      for (const name of result.missing) missing.add(name);
    } catch (error) {
      if (!isTemplateError(error)) throw error;
      const message = describeProblem(field, error.problem);
      throw new AppError("validation_error", { message, reasons: [{ key: "invalid_template", ref: field }] });
    }
  }
  return { ...rendered, MissingFields: [...missing] };
}

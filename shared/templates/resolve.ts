// A stored template named when sending (`template_id` over SMTP, `TemplateId` over HTTP): as in
// Unisender Go, only its body parts are used, with its engine; the message's own From, To,
// Reply-To and Subject stand (the template's subject when the message has none). The parts are
// copied into the submission's stored body when it is accepted, so editing or deleting the
// template later changes nothing of mail already accepted.
import type { Caller } from "../domain/account.ts";
import { AppError } from "../domain/errors.ts";
import { isTemplateId, isTemplateOf, type Template, type TemplateEngineName } from "../domain/template.ts";
import type { TemplateStore } from "../store/templates.ts";

/** How a door names the two fields, for its refusals. */
export interface TemplateFields {
  templateId: string;
  engine: string;
}

/** The caller's template by id, for a message; a missing, deleted or foreign one is refused with a clear text. */
export async function templateForMessage(
  store: Pick<TemplateStore, "get">,
  caller: Caller,
  templateId: string,
  options: { engine?: string; fields: TemplateFields },
): Promise<Template> {
  const template = isTemplateId(templateId) ? await store.get(caller.accountId, templateId) : undefined;
  if (!template || !isTemplateOf(template, caller)) {
    throw new AppError("validation_error", {
      message: `Template ${templateId} not found`,
      reasons: [{ key: "template_not_found", ref: options.fields.templateId }],
    });
  }
  if (options.engine !== undefined && options.engine !== template.engine) {
    throw new AppError("validation_error", {
      message: `${options.fields.engine} ${options.engine} does not match template ${templateId}, which uses ${template.engine}: leave ${options.fields.engine} out, or give ${template.engine}`,
      reasons: [{ key: "template_engine_mismatch", ref: options.fields.engine }],
    });
  }
  return template;
}

/** What a message sends of a template: its engine and body parts, and its subject when the message has none. */
export function templateBody(
  template: Template,
  messageSubject: string | undefined,
): { engine: TemplateEngineName; subject: string; html?: string; text?: string } {
  return { engine: template.engine, subject: messageSubject || template.subject || "", html: template.html, text: template.text };
}

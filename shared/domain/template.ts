// Stored templates (docs/templates.md): a body a sender saves once and names by id when sending,
// on either door.

export const TEMPLATE_ENGINES = ["simple", "velocity"] as const;
export type TemplateEngineName = (typeof TEMPLATE_ENGINES)[number];

export interface Template {
  templateId: string;
  accountId: string;
  /** Set when a project key made it: then only that project (and the account's own keys) may use it. */
  projectId?: string;
  name: string;
  engine: TemplateEngineName;
  subject?: string;
  html?: string;
  text?: string;
  createdAt: number;
  updatedAt: number;
}

/** The parts a sender writes (the rest is ours). */
export type TemplateContent = Pick<Template, "name" | "engine" | "subject" | "html" | "text">;

/** Ids we make, and the ids templates moved from elsewhere bring along (Unisender Go's are UUIDs). */
export const isTemplateId = (id: string): boolean => /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(id);

/** Subject, HTML and text together: a template is one DynamoDB item (at most 400 KB). */
export const TEMPLATE_MAX_BYTES = 256 * 1024;

/** Whether a caller may see and use a template: its account's, and a project key only its own project's or the account-wide ones. */
export const isTemplateOf = (template: Pick<Template, "accountId" | "projectId">, caller: { accountId: string; projectId?: string }) =>
  template.accountId === caller.accountId && (!caller.projectId || !template.projectId || template.projectId === caller.projectId);

// The web version ([WebVersion]): this recipient's message rendered exactly as it was mailed,
// for as long as the message is retained. Rendering again from the stored body costs one
// DynamoDB read and (usually cached) one S3 read, and stores nothing per recipient.
import type { BodyStore } from "../files/bodies.ts";
import { htmlLang } from "../domain/i18n.ts";
import { verifyToken } from "../domain/link-tokens.ts";
import { escapeHtml } from "../lib/html.ts";
import { composeMail, isTemplateError, type LinkSettings } from "../render/index.ts";
import type { MessageStore } from "../store/messages.ts";
import type { AccountCache } from "../store/account-cache.ts";
import type { OutgoingMail } from "../domain/outgoing-mail.ts";

export interface WebVersionDeps {
  config: LinkSettings;
  messages: Pick<MessageStore, "getMessage">;
  bodies: Pick<BodyStore, "get">;
  accountCache: Pick<AccountCache, "policy">;
}

/**
 * The page, or undefined for a forged token, a message no longer kept, or one whose template
 * the sandbox refuses: the page is rendered by the same sandbox as the mail, never with more.
 */
export async function renderWebVersion(deps: WebVersionDeps, token: string): Promise<string | undefined> {
  const messageId = verifyToken(deps.config.linkSecret, "web", token);
  if (!messageId) return undefined;
  const message = await deps.messages.getMessage(messageId);
  if (!message || message.status === "REJECTED") return undefined;
  const [body, policy] = await Promise.all([
    deps.bodies.get(message.bodyKey),
    deps.accountCache.policy(message.accountId, message.projectId),
  ]);
  let mail: OutgoingMail;
  try {
    ({ mail } = composeMail(message, body, deps.config, policy));
  } catch (error) {
    if (isTemplateError(error)) return undefined;
    throw error;
  }
  return mail.html ?? plainTextPage(mail.subject, mail.text ?? "", message.options.language);
}

function plainTextPage(subject: string, text: string, language: string): string {
  return (
    `<!doctype html><html lang="${htmlLang(language)}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(subject)}</title></head>` +
    `<body><pre style="white-space:pre-wrap;font-family:inherit">${escapeHtml(text)}</pre></body></html>`
  );
}

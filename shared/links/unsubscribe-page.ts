// The unsubscribe page, in the message's language. Everything that comes from a message
// (address, sender name) is HTML-escaped; the page has no scripts, and its buttons POST back to
// the same URL, so a mail scanner that prefetches the link changes nothing.
import { htmlLang, texts } from "../domain/i18n.ts";
import { escapeHtml } from "../lib/html.ts";

export type PageState = "confirm" | "unsubscribed" | "resubscribed";

export interface PageInput {
  state: PageState;
  language: string;
  address?: string;
  sender?: string;
}

const STYLE =
  "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#f4f5f7;color:#222;margin:0}" +
  "main{max-width:480px;margin:12vh auto;background:#fff;border-radius:8px;padding:32px;box-shadow:0 1px 3px rgba(0,0,0,.12)}" +
  "h1{font-size:20px;margin:0 0 16px}p{line-height:1.5}" +
  "button{font-size:16px;padding:10px 20px;border:0;border-radius:6px;background:#2d6cdf;color:#fff;cursor:pointer}" +
  "button.secondary{background:#e4e7ec;color:#222}";

function fill(template: string, input: PageInput): string {
  return escapeHtml(template)
    .replace("{address}", () => `<strong>${escapeHtml(input.address ?? "")}</strong>`)
    .replace("{sender}", () => `<strong>${escapeHtml(input.sender ?? "")}</strong>`);
}

const form = (action: "unsubscribe" | "resubscribe", label: string, secondary = false) =>
  `<form method="post"><input type="hidden" name="action" value="${action}">` +
  `<button type="submit" name="submit" value="${action}"${secondary ? ' class="secondary"' : ""}>${escapeHtml(label)}</button></form>`;

export function unsubscribePage(input: PageInput): string {
  const t = texts(input.language).page;
  const content = {
    confirm: `<p>${fill(t.confirm, input)}</p>${form("unsubscribe", t.confirmButton)}`,
    unsubscribed: `<p>${fill(t.unsubscribed, input)}</p>${form("resubscribe", t.resubscribeButton, true)}`,
    resubscribed: `<p>${fill(t.resubscribed, input)}</p>${form("unsubscribe", t.confirmButton, true)}`,
  }[input.state];
  return page(input.language, t.title, input.state, content);
}

/** For a forged token or a link whose message is gone (unsubscribe page and web version alike). */
export function invalidLinkPage(language: string): string {
  const t = texts(language).page;
  return page(language, t.invalidLink, "invalid", "");
}

function page(language: string, title: string, state: string, content: string): string {
  return (
    `<!doctype html><html lang="${htmlLang(language)}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">` +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
    `<body><main data-state="${state}"><h1>${escapeHtml(title)}</h1>${content}</main></body></html>`
  );
}

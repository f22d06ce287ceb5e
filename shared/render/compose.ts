// Turns a stored message and its submission's body into the mail one recipient receives:
// merge fields, signed links, click redirects, the unsubscribe footer, the open pixel and the
// List-Unsubscribe headers. The web version (shared/links/web-version.ts) shows the same HTML.

import { clickUrl, rewriteLinks } from "./click-links.ts";
import { addOpenPixel } from "./open-pixel.ts";
import { effectiveOptions } from "./options.ts";
import { LINK_PATHS, messageLinks } from "../domain/link-tokens.ts";
import { unsubscribeTicket } from "../domain/suppression.ts";
import { appendToHtmlBody, renderHtml, renderPlain, unsubscribeFooter, type MergeContext, type Rendered } from "./merge.ts";
import { applySmtpOptions } from "./substitutions.ts";
import type { StoredBody } from "../domain/body.ts";
import type { Message, MessageOptions } from "../domain/message.ts";
import type { AccountPolicy } from "../domain/account.ts";
import type { OutgoingMail } from "../domain/outgoing-mail.ts";

type MessageLinks = ReturnType<typeof messageLinks>;

export interface LinkSettings {
  publicUrl: string;
  linkSecret: string;
  unsubscribeMailDomain: string;
}

export interface Composed {
  mail: OutgoingMail;
  /** Merge fields the templates used but the message did not supply. */
  missingFields: string[];
  /** The message's options within what its account allows: what the mail was built with. */
  options: MessageOptions;
}

/**
 * `account` is what the message's account allows (tracking switches, skipping the unsubscribe
 * link); without it tracking follows the message and the unsubscribe link is never skipped.
 */
export function composeMail(stored: Message, storedBody: StoredBody, settings: LinkSettings, account: AccountPolicy = {}): Composed {
  // The SMTP options header: {{Name}} / Velocity substitutions and strict mode's To (a no-op for HTTP messages).
  const { message, body, headerTo, missing: unsubstituted } = applySmtpOptions(stored, storedBody);
  const options = effectiveOptions(message.options, account);
  // The ticket of the message as accepted: the same one the accept path decided to store or not.
  const links = messageLinks(settings.publicUrl, settings.linkSecret, message.messageId, unsubscribeTicket(stored));
  const context: MergeContext = { fields: message.mergeFields, links, language: options.language };

  const subject = renderPlain(body.subject, context);
  const text = body.text === undefined ? undefined : renderPlain(body.text, context);
  const html = body.html === undefined ? undefined : renderHtml(body.html, context);
  const htmlOutput = html && finishHtml(html, links, message.messageId, options, settings);

  const headers: Record<string, string> = {
    ...body.headers,
    "X-Posthaste-Message-Id": message.messageId,
  };
  if (!options.skipUnsubscribe) {
    // RFC 2369 and RFC 8058: mail clients show an unsubscribe button and POST to the URL.
    headers["List-Unsubscribe"] =
      `<${links.unsubscribe}>, <mailto:unsubscribe+${links.unsubscribeMailToken}@${settings.unsubscribeMailDomain}>`;
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
  }

  const missing = [...new Set([...unsubstituted, ...subject.missing, ...(text?.missing ?? []), ...(html?.missing ?? [])])];
  return {
    mail: {
      messageId: message.messageId,
      envelope: { from: message.from.address, to: message.to.address },
      from: message.from,
      // Strict SMTP copies show the client's To list (nodemailer takes an address list here); the envelope stays this copy's.
      to: headerTo ? { address: headerTo } : message.to,
      replyTo: body.replyTo,
      subject: subject.output,
      html: htmlOutput,
      text: text?.output,
      headers,
      attachments: (body.attachments ?? []).map(({ filename, contentType, key, contentId }) => ({
        filename,
        contentType,
        key,
        ...(contentId ? { contentId } : {}),
      })),
    },
    missingFields: missing,
    options,
  };
}

/**
 * After merge fields: links to click redirects (the template's own links only, not the footer's),
 * then the unsubscribe footer when the template has no [Unsubscribe], then the open pixel.
 */
function finishHtml(html: Rendered, links: MessageLinks, messageId: string, options: MessageOptions, settings: LinkSettings): string {
  let output = html.output;
  if (options.trackLinks) {
    const ownPages = [LINK_PATHS.unsubscribe, LINK_PATHS.web].map((path) => settings.publicUrl + path);
    output = rewriteLinks(output, (url) =>
      ownPages.some((prefix) => url.startsWith(prefix)) ? undefined : clickUrl(settings.publicUrl, settings.linkSecret, messageId, url),
    );
  }
  if (!html.hasUnsubscribe && !options.skipUnsubscribe)
    output = appendToHtmlBody(output, unsubscribeFooter(links.unsubscribe, options.language));
  if (options.trackOpens) output = addOpenPixel(output, links.openPixel);
  return output;
}

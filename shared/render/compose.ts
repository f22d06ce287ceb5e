// Turns a stored message and its submission's body into the mail one recipient receives:
// merge fields, signed links, the unsubscribe footer and the List-Unsubscribe headers.
import type { StoredBody } from "../files/bodies.ts";
import type { Message } from "../store/messages.ts";
import { messageLinks } from "./links.ts";
import { appendToHtmlBody, renderHtml, renderPlain, unsubscribeFooter, type MergeContext } from "./merge.ts";

export interface LinkSettings {
  publicUrl: string;
  linkSecret: string;
  unsubscribeMailDomain: string;
}

export interface OutgoingMail {
  messageId: string;
  envelope: { from: string; to: string };
  from: { address: string; name?: string };
  to: { address: string; name?: string };
  replyTo?: string;
  subject: string;
  html?: string;
  text?: string;
  headers: Record<string, string>;
  attachments: { filename: string; contentType: string; key: string }[];
}

export interface Composed {
  mail: OutgoingMail;
  /** Merge fields the templates used but the message did not supply. */
  missingFields: string[];
}

export function composeMail(message: Message, body: StoredBody, settings: LinkSettings): Composed {
  const links = messageLinks(settings.publicUrl, settings.linkSecret, message.messageId);
  const context: MergeContext = { fields: message.mergeFields, links, language: message.options.language };

  const subject = renderPlain(body.subject, context);
  const text = body.text === undefined ? undefined : renderPlain(body.text, context);
  const html = body.html === undefined ? undefined : renderHtml(body.html, context);

  let htmlOutput = html?.output;
  if (html && !html.hasUnsubscribe && !message.options.skipUnsubscribe) {
    htmlOutput = appendToHtmlBody(html.output, unsubscribeFooter(links.unsubscribe, message.options.language));
  }

  const unsubscribeToken = links.unsubscribe.slice(links.unsubscribe.lastIndexOf("/") + 1);
  const headers: Record<string, string> = {
    ...body.headers,
    "X-Posthaste-Message-Id": message.messageId,
  };
  if (!message.options.skipUnsubscribe) {
    // RFC 2369 and RFC 8058: mail clients show an unsubscribe button and POST to the URL.
    headers["List-Unsubscribe"] = `<${links.unsubscribe}>, <mailto:unsubscribe+${unsubscribeToken}@${settings.unsubscribeMailDomain}>`;
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
  }

  const missing = [...new Set([...subject.missing, ...(text?.missing ?? []), ...(html?.missing ?? [])])];
  return {
    mail: {
      messageId: message.messageId,
      envelope: { from: message.from.address, to: message.to.address },
      from: message.from,
      to: message.to,
      replyTo: body.replyTo,
      subject: subject.output,
      html: htmlOutput,
      text: text?.output,
      headers,
      attachments: (body.attachments ?? []).map(({ filename, contentType, key }) => ({ filename, contentType, key })),
    },
    missingFields: missing,
  };
}

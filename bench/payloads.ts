// Request bodies the bench sends: a realistic transactional message (about 2 KB of HTML with a
// merge field and the unsubscribe macro) to one recipient or to a batch of recipients.

const PARAGRAPH =
  "<p>Thank you for your order. We have received it and will let you know as soon as it ships. " +
  "You can follow its progress in your account at any time, and reply to this message if anything looks wrong.</p>";

export const HTML = `<html><body><h1>Hello, [Name]!</h1>${PARAGRAPH.repeat(8)}<p>[Unsubscribe]</p></body></html>`;
const TEXT = "Hello, [Name]! Thank you for your order. We will let you know as soon as it ships.";

export function sendRequest(senderDomain: string, recipients: { address: string; name: string }[], subject = "Your order, [Name]"): string {
  return JSON.stringify({
    Recipients: recipients.map((r) => ({ Address: r.address, MergeFields: { Name: r.name } })),
    Sender: { Address: `orders@${senderDomain}`, Name: "Posthaste bench" },
    Subject: subject,
    Body: { Html: HTML, PlainText: TEXT },
  });
}

export const recipients = (count: number, prefix = "reader") =>
  Array.from({ length: count }, (_, i) => ({ address: `${prefix}+${i}@example.org`, name: `Reader ${i}` }));

/** The ids of the accepted messages in a send request's answer (none when it is not one). */
export function messageIdsOf(body: string): string[] {
  try {
    return ((JSON.parse(body) as { Result?: { MessageId?: string; Status?: string }[] }).Result ?? [])
      .filter((r) => r.Status === "ACCEPTED" && r.MessageId)
      .map((r) => r.MessageId!);
  } catch {
    return [];
  }
}

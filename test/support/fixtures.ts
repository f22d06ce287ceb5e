// Shared test inputs: a stored message as the worker sees it (unit tests of rendering and
// composing), a plain submission to accept, and a multipart form as Infobip clients send it.
import type { Message } from "../../shared/domain/message.ts";
import { DEFAULT_OPTIONS, type Submission } from "../../shared/domain/submission.ts";

export function sampleMessage(overrides: Partial<Message> = {}): Message {
  return {
    messageId: "0mwt8abcdefghijklmnop",
    accountId: "acct",
    submissionId: "sub",
    bodyKey: "bodies/acct/sub.json",
    from: { address: "shop@example.com" },
    to: { address: "ivan@example.org" },
    subject: "Hi",
    mergeFields: {},
    extraData: {},
    options: { trackOpens: false, trackLinks: false, language: "en", skipUnsubscribe: false },
    status: "ACCEPTED",
    statusRank: 0,
    history: [],
    version: 1,
    createdAt: 0,
    expiresAt: 0,
    attempts: 1,
    ...overrides,
  };
}

/** A plain-text submission from shop@example.com to `addresses`, without merge fields. */
export const sampleSubmission = (addresses: string[], overrides: Partial<Submission> = {}): Submission => ({
  from: { address: "shop@example.com" },
  subject: "Hello",
  text: "Hi",
  recipients: addresses.map((address, index) => ({ index, address, mergeFields: {}, extraData: {} })),
  checkSuppression: true,
  options: DEFAULT_OPTIONS,
  ...overrides,
});

/** A multipart/form-data body as the Infobip SDK or curl -F would send it. */
export async function multipartForm(parts: [string, string | Blob, string?][]) {
  const form = new FormData();
  for (const [name, value, filename] of parts) {
    if (typeof value === "string") form.append(name, value);
    else form.append(name, value, filename);
  }
  const request = new Request("http://x.invalid/", { method: "POST", body: form });
  return { contentType: request.headers.get("content-type")!, body: Buffer.from(await request.arrayBuffer()) };
}

// The SES transport (the default on AWS) through the real SES v2 client, pointed at a local
// stand-in for the SendEmail API: what reaches SES, and how its answers become send results.
import { Readable } from "node:stream";
import type { SESv2Client } from "@aws-sdk/client-sesv2";
import { makeSesClient } from "../../shared/aws.ts";
import { simpleParser, type ParsedMail } from "mailparser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeSesTransport } from "../../shared/transport/ses.ts";
import { DAILY_QUOTA_EXCEEDED, startSesStandIn, type SesCall, type SesStandIn } from "../support/ses-standin.ts";

type Transport = ReturnType<typeof makeSesTransport>;
type OutgoingMail = Parameters<Transport["send"]>[0];
type AttachmentContent = Parameters<Transport["send"]>[1][number];

const MESSAGE_ID = "0mwt8abcdefghijklmnop";
const UNSUBSCRIBE = `<https://mail.example.com/u/${MESSAGE_ID}.sig>, <mailto:unsubscribe+${MESSAGE_ID}.sig@unsub.example.com>`;
const PDF = Buffer.from("%PDF-1.4\n% a small invoice\n%%EOF\n");

const mail: OutgoingMail = {
  messageId: MESSAGE_ID,
  envelope: { from: "orders@shop.example.com", to: "ivan@example.org" },
  from: { address: "orders@shop.example.com", name: "Магазин" },
  to: { address: "ivan@example.org", name: "Иван Петров" },
  replyTo: "help@shop.example.com",
  subject: "Заказ 42 отправлен",
  text: "Your order is on its way.",
  html: "<p>Your order is on its way.</p>",
  headers: {
    "X-Posthaste-Message-Id": MESSAGE_ID,
    "List-Unsubscribe": UNSUBSCRIBE,
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
  },
  attachments: [
    { filename: "invoice.pdf", contentType: "application/pdf", key: "files/acct/invoice" },
    { filename: "notes.txt", contentType: "text/plain", key: "files/acct/notes" },
  ],
};

// What the worker hands the transport: contents loaded from S3, as a buffer or a stream.
const attachments = (): AttachmentContent[] => [
  { filename: "invoice.pdf", contentType: "application/pdf", content: PDF },
  { filename: "notes.txt", contentType: "text/plain", content: Readable.from([Buffer.from("Leave it "), Buffer.from("at the door.")]) },
];

describe("the SES transport", () => {
  let ses: SesStandIn;
  let transport: Transport;
  let client: SESv2Client;

  beforeAll(async () => {
    ses = await startSesStandIn();
    // As the delivery worker builds it (shared/aws.ts), pointed at the stand-in.
    client = makeSesClient({ mode: "local", region: "eu-west-1", endpoints: { ses: ses.endpoint } });
    transport = makeSesTransport(client, "posthaste-events");
  });

  beforeEach(() => ses.reset());

  afterAll(async () => {
    transport.close();
    client.destroy();
    await ses.close();
  });

  describe("sends one raw MIME message", () => {
    let result: Awaited<ReturnType<Transport["send"]>>;
    let calls: SesCall[];
    let raw: string;
    let parsed: ParsedMail;

    beforeAll(async () => {
      result = await transport.send(mail, attachments());
      calls = [...ses.calls];
      raw = Buffer.from(calls[0]?.body.Content?.Raw?.Data ?? "", "base64").toString("utf8");
      parsed = await simpleParser(raw);
    });

    it("makes one SendEmail call addressed to the recipient", () => {
      expect(calls).toHaveLength(1);
      expect(calls[0].body.Destination).toEqual({ ToAddresses: ["ivan@example.org"] });
      expect(calls[0].body.FromEmailAddress).toContain("orders@shop.example.com");
    });

    it("has the From, To, Reply-To and Subject of the mail", () => {
      expect(parsed.from?.value).toEqual([{ name: "Магазин", address: "orders@shop.example.com" }]);
      expect(parsed.to && !Array.isArray(parsed.to) && parsed.to.value).toEqual([{ name: "Иван Петров", address: "ivan@example.org" }]);
      expect(parsed.replyTo?.value).toEqual([{ name: "", address: "help@shop.example.com" }]);
      expect(parsed.subject).toBe("Заказ 42 отправлен");
      expect(parsed.messageId).toBe(`<${MESSAGE_ID}@shop.example.com>`);
    });

    it("carries Posthaste's message id and the List-Unsubscribe headers", () => {
      const unfolded = raw.replace(/\r?\n[ \t]+/g, " ");
      // Header names are case-insensitive (nodemailer writes X-Posthaste-Message-ID).
      expect(unfolded).toMatch(new RegExp(`^X-Posthaste-Message-Id: ${MESSAGE_ID}\r?$`, "im"));
      expect(unfolded).toContain(`\nList-Unsubscribe: ${UNSUBSCRIBE}\r\n`);
      expect(unfolded).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    });

    it("has both bodies and the attachments with their names, types and bytes", () => {
      expect(parsed.text?.trim()).toBe("Your order is on its way.");
      expect(parsed.html).toContain("<p>Your order is on its way.</p>");
      const received = parsed.attachments.map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        content: a.content.toString("utf8"),
      }));
      expect(received).toEqual([
        { filename: "invoice.pdf", contentType: "application/pdf", content: PDF.toString("utf8") },
        { filename: "notes.txt", contentType: "text/plain", content: "Leave it at the door." },
      ]);
    });

    it("names the configured configuration set, so SES publishes the message's events", () => {
      expect(calls[0].body.ConfigurationSetName).toBe("posthaste-events");
    });

    it("tags the message with Posthaste's id, by which its SES events map back to it", () => {
      expect(calls[0].body.EmailTags).toEqual([{ Name: "posthaste_message_id", Value: MESSAGE_ID }]);
    });

    it("reports the message sent, not delivered, with SES's message id as the response", () => {
      expect(result).toEqual({ outcome: "sent", response: calls[0].messageId });
    });
  });

  it("names no configuration set when none is configured", async () => {
    const plain = makeSesTransport(client);
    try {
      await plain.send(mail, []);
    } finally {
      plain.close();
    }
    expect(ses.calls).toHaveLength(1);
    expect(ses.calls[0].body).not.toHaveProperty("ConfigurationSetName");
  });

  // The SDK does not retry a throttle: the delivery worker holds the message to the account's
  // rate instead (shared/deliver/send-pacing.ts), and a retry of the SDK's own would be a send no
  // pacer counted. Server errors are still retried by the SDK.
  describe("when SES throttles (TooManyRequestsException, 429)", () => {
    const failure = () =>
      transport.send(mail, []).then(
        () => undefined,
        (e: unknown) => e,
      );

    it("reports a throttle of the sending rate at once, not as a permanent failure or a bounce", async () => {
      ses.throttle(1);
      const error = await failure();
      expect(ses.calls.map((c) => c.status)).toEqual([429]);
      expect(error).toMatchObject({
        name: "TransportError",
        message: "TooManyRequestsException: Maximum sending rate exceeded.",
        permanent: false,
        hardBounce: false,
        responseCode: 429,
        throttle: "rate",
      });
    });

    it("tells the daily quota apart from the rate", async () => {
      ses.fail(1, DAILY_QUOTA_EXCEEDED);
      expect(await failure()).toMatchObject({ permanent: false, hardBounce: false, throttle: "quota" });
    });

    it("takes any 429 for a throttle, also one without SES's error type (as a proxy in front of it may answer)", async () => {
      ses.fail("always", { status: 429, message: "Rate exceeded" });
      const error = await failure();
      expect(ses.calls.map((c) => c.status)).toEqual([429]);
      expect(error).toMatchObject({ name: "TransportError", permanent: false, hardBounce: false, responseCode: 429, throttle: "rate" });
    });
  });

  it("sends the message once a server error passes: the SDK retries those itself", async () => {
    ses.fail(1, { status: 500, type: "InternalFailure", message: "We encountered an internal error." });
    const result = await transport.send(mail, []);
    expect(ses.calls.map((c) => c.status)).toEqual([500, 200]);
    expect(result).toEqual({ outcome: "sent", response: ses.calls[1].messageId });
  });

  it("fails permanently, but not as a bounce of the address, when SES rejects the message", async () => {
    ses.fail(1, { status: 400, type: "MessageRejected", message: "Email address is not verified." });
    const error = await transport.send(mail, []).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ses.calls.map((c) => c.status)).toEqual([400]);
    expect(error).toMatchObject({
      name: "TransportError",
      message: "MessageRejected: Email address is not verified.",
      permanent: true,
      hardBounce: false,
      responseCode: 400,
    });
  });
});

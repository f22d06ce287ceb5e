// Amazon SES v2 through nodemailer's SES transport. Delivery, bounce and complaint come back
// later as SES events (SNS -> SQS), so a successful call only means SENT.
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import Mail from "nodemailer/lib/mailer";
import SESTransport, { type SESTransportOptions } from "nodemailer/lib/ses-transport";
import { TransportError, toNodemailerMessage, type Throttle, type Transport } from "./transport.ts";

const THROTTLING = new Set(["ThrottlingException", "TooManyRequestsException", "LimitExceededException", "SendingPausedException"]);

/** SES's throttle says which limit it hit in its text ("Maximum sending rate exceeded." or "Daily message quota exceeded."). */
function throttleKind(name: string, message: string): Throttle {
  return name === "SendingPausedException" || /daily|quota/i.test(message) ? "quota" : "rate";
}

export function makeSesTransport(sesClient: SESv2Client, configurationSet?: string): Transport {
  // What nodemailer.createTransport({ SES }) builds, without bundling nodemailer's other transports.
  const options: SESTransportOptions = { SES: { sesClient, SendEmailCommand } };
  const transporter = new Mail(new SESTransport(options), options);
  return {
    async send(mail, attachments) {
      try {
        // SES signs with the domain's key itself (its identity has our key: ses-identities.ts).
        const { dkim: _signedBySes, ...message } = toNodemailerMessage(mail, attachments);
        const info = await transporter.sendMail({
          ...message,
          ses: {
            ConfigurationSetName: configurationSet,
            EmailTags: [{ Name: "posthaste_message_id", Value: mail.messageId }],
          },
        });
        return { outcome: "sent", response: String(info.response ?? "") };
      } catch (error) {
        const name = (error as { name?: string }).name ?? "";
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
        // A throttle (by name, or any 429 whatever its name) passes; MessageRejected,
        // MailFromDomainNotVerified and other 4xx client errors will not succeed on retry.
        const throttled = status === 429 || THROTTLING.has(name);
        const permanent = status >= 400 && status < 500 && !throttled;
        const text = (error as Error).message;
        throw new TransportError(
          `${name}: ${text}`,
          permanent,
          false,
          status || undefined,
          throttled ? throttleKind(name, text) : undefined,
        );
      }
    },
    close: () => transporter.close(),
  };
}

export { SESv2Client };

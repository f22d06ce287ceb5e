// A small stand-in for the SES v2 API's SendEmail (POST /v2/email/outbound-emails) and GetAccount
// (GET /v2/email/account), for tests that point the real @aws-sdk/client-sesv2 client at it: it
// records each request's JSON and answers with a message id, or with an error (SES's throttling
// answer, a rejection) when told to. Like SES, it can hold the account to a sending rate (sends
// past N in one second are answered TooManyRequestsException) and a daily quota, and reports
// both, with what it accepted, through GetAccount.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** The SendEmail request as it travels (the SDK's input, with the raw message in base64). */
export interface SendEmailBody {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  Content?: { Raw?: { Data?: string } };
  ConfigurationSetName?: string;
  EmailTags?: { Name: string; Value: string }[];
}

export interface SesCall {
  body: SendEmailBody;
  /** What the stand-in answered: 200 with `messageId`, or the error's status. */
  status: number;
  /** When it was answered (epoch milliseconds). */
  at: number;
  messageId?: string;
}

/** An error answer in SES v2's shape: the type in `x-amzn-ErrorType` (none if unset), the text in the body. */
export interface SesError {
  status: number;
  type?: string;
  message: string;
}

/** What SES v2 answers a SendEmail over the account's sending rate. */
export const THROTTLED: SesError = { status: 429, type: "TooManyRequestsException", message: "Maximum sending rate exceeded." };
/** What SES v2 answers a SendEmail over the account's daily quota. */
export const DAILY_QUOTA_EXCEEDED: SesError = { status: 429, type: "TooManyRequestsException", message: "Daily message quota exceeded." };

/** The account's limits, as GetAccount reports them. */
export interface SesLimits {
  /** Sends accepted in one (wall-clock) second; more are answered THROTTLED. */
  maxSendRate: number;
  /** Sends accepted in all (the stand-in's "24 hours" is its whole life); -1: no limit. */
  max24HourSend: number;
}

/** An SES identity as the stand-in keeps it (CreateEmailIdentity, PutEmailIdentityMailFromAttributes ...). */
export interface StandInIdentity {
  create: Record<string, any>;
  mailFrom?: Record<string, any>;
  signing?: Record<string, any>;
  dkimStatus: string;
  mailFromStatus: string;
}

export interface SesStandIn {
  /** The identities made through the identity API, by name. */
  identities: Map<string, StandInIdentity>;
  /** For the client's `endpoint` option. */
  endpoint: string;
  /** Every SendEmail call in order, throttled ones included. */
  calls: SesCall[];
  /** Answers the next `count` calls (or all from now on, until told otherwise) with `error`. */
  fail(count: number | "always", error: SesError): void;
  /** `fail` with SES's throttling answer. */
  throttle(count: number | "always"): void;
  /** Holds the account to these limits from now on (none until told). */
  limit(limits: SesLimits): void;
  /** GetAccount calls answered. */
  accountReads(): number;
  /** Forgets the calls and answers every call with success again. */
  reset(): void;
  close(): Promise<void>;
}

const SEND_EMAIL_PATH = "/v2/email/outbound-emails";
const ACCOUNT_PATH = "/v2/email/account";

export async function startSesStandIn(): Promise<SesStandIn> {
  const calls: SesCall[] = [];
  const identities = new Map<string, StandInIdentity>();
  let limits: SesLimits = { maxSendRate: 1_000_000, max24HourSend: -1 };
  let limited = false;
  let reads = 0;
  const perSecond = new Map<number, number>();
  const accepted = () => calls.filter((call) => call.status === 200).length;
  let failing = 0;
  let failure = THROTTLED;
  let sequence = 0;
  const fail = (count: number | "always", error: SesError) => {
    failing = count === "always" ? Number.POSITIVE_INFINITY : count;
    failure = error;
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const answer = (status: number, body: object, errorType?: string) => {
        res.writeHead(status, {
          "content-type": "application/json",
          "x-amzn-requestid": `standin-request-${calls.length}`,
          ...(errorType ? { "x-amzn-errortype": errorType } : {}),
        });
        res.end(JSON.stringify(body));
      };
      const path = req.url?.split("?")[0] ?? "";
      if (req.method === "GET" && path === ACCOUNT_PATH) {
        reads++;
        answer(200, {
          SendQuota: { MaxSendRate: limits.maxSendRate, Max24HourSend: limits.max24HourSend, SentLast24Hours: accepted() },
          SendingEnabled: true,
          ProductionAccessEnabled: true,
        });
        return;
      }
      const identity = /^\/v2\/email\/identities(?:\/([^/]+))?(\/mail-from|\/dkim\/signing)?$/.exec(path);
      if (identity) {
        const name = identity[1] && decodeURIComponent(identity[1]);
        const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
        const found = name ? identities.get(name) : undefined;
        if (req.method === "POST" && !name) {
          if (identities.has(body.EmailIdentity)) return answer(400, { message: "exists" }, "AlreadyExistsException");
          identities.set(body.EmailIdentity, { create: body, dkimStatus: "PENDING", mailFromStatus: "PENDING" });
          return answer(200, { IdentityType: "DOMAIN", VerifiedForSendingStatus: false });
        }
        if (!found) return answer(404, { message: `Identity ${name} does not exist.` }, "NotFoundException");
        if (req.method === "PUT" && identity[2] === "/mail-from") {
          found.mailFrom = body;
          return answer(200, {});
        }
        if (req.method === "PUT" && identity[2] === "/dkim/signing") {
          found.signing = body;
          return answer(200, {});
        }
        if (req.method === "DELETE") {
          identities.delete(name!);
          return answer(200, {});
        }
        if (req.method === "GET")
          return answer(200, {
            IdentityType: "DOMAIN",
            VerifiedForSendingStatus: found.dkimStatus === "SUCCESS",
            DkimAttributes: { Status: found.dkimStatus, SigningAttributesOrigin: "EXTERNAL" },
            MailFromAttributes: { ...found.mailFrom, MailFromDomainStatus: found.mailFromStatus },
          });
      }
      if (req.method !== "POST" || path !== SEND_EMAIL_PATH) {
        answer(
          404,
          { message: `The SES stand-in only knows POST ${SEND_EMAIL_PATH}, GET ${ACCOUNT_PATH} and the identity calls` },
          "NotFoundException",
        );
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as SendEmailBody;
      if (failing > 0) {
        failing--;
        calls.push({ body, status: failure.status, at: Date.now() });
        answer(failure.status, { message: failure.message }, failure.type);
        return;
      }
      if (limited) {
        const overQuota = limits.max24HourSend >= 0 && accepted() >= limits.max24HourSend;
        const second = Math.floor(Date.now() / 1000);
        const inSecond = perSecond.get(second) ?? 0;
        if (overQuota || inSecond >= limits.maxSendRate) {
          const error = overQuota ? DAILY_QUOTA_EXCEEDED : THROTTLED;
          calls.push({ body, status: error.status, at: Date.now() });
          answer(error.status, { message: error.message }, error.type);
          return;
        }
        perSecond.set(second, inSecond + 1);
      }
      const messageId = `0100019a-standin-${String(++sequence).padStart(6, "0")}-000000`;
      calls.push({ body, status: 200, messageId, at: Date.now() });
      answer(200, { MessageId: messageId });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    identities,
    fail,
    throttle: (count) => fail(count, THROTTLED),
    limit(given) {
      limits = given;
      limited = true;
    },
    accountReads: () => reads,
    reset() {
      calls.length = 0;
      failing = 0;
      limited = false;
      perSecond.clear();
      reads = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

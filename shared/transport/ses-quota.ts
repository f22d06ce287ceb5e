// The SES account's sending limits (GetAccount): the most messages a second, the most in 24
// hours, and how many went out in the last 24 hours. The delivery worker paces itself to them
// (shared/deliver/send-pacing.ts).
import { GetAccountCommand, type SESv2Client } from "@aws-sdk/client-sesv2";

export interface SendQuota {
  /** Messages a second SES accepts from the account (14 for a young account out of the sandbox, 1 in it). */
  maxSendRate: number;
  /** Messages in any 24 hours; -1 means no limit. */
  max24HourSend: number;
  sentLast24Hours: number;
}

export type SendQuotaReader = () => Promise<SendQuota>;

export function makeSesQuotaReader(ses: SESv2Client): SendQuotaReader {
  return async () => {
    const { SendQuota: quota } = await ses.send(new GetAccountCommand({}));
    return {
      maxSendRate: quota?.MaxSendRate ?? 1,
      max24HourSend: quota?.Max24HourSend ?? -1,
      sentLast24Hours: quota?.SentLast24Hours ?? 0,
    };
  };
}

// What a message really gets: its own options (HTTP fields, SMTP X-Posthaste header) within
// what its account allows. Tracking is on unless the message or the account turns it off;
// skipping the unsubscribe link is honoured only for accounts allowed to skip, and forced for
// accounts and projects set to go without it (docs/smtp.md).
import type { MessageOptions } from "../domain/message.ts";
import { languageOrDefault } from "../domain/language.ts";
import type { AccountPolicy } from "../domain/account.ts";

export function effectiveOptions(options: MessageOptions, account: AccountPolicy): MessageOptions {
  return {
    trackOpens: options.trackOpens !== false && account.trackOpens !== false,
    trackLinks: options.trackLinks !== false && account.trackLinks !== false,
    language: languageOrDefault(options.language),
    skipUnsubscribe: account.forceSkipUnsubscribe === true || (options.skipUnsubscribe === true && account.allowSkipUnsubscribe === true),
  };
}

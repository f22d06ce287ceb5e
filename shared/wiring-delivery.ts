// The builders of mail sending (see shared/wiring.ts): apart, because a transport brings
// nodemailer (about 230 KB) into the bundle of every function that imports it.
import { makeSesClient } from "./aws.ts";
import { makeSendPacer } from "./deliver/send-pacing.ts";
import { makeSesTransport } from "./transport/ses.ts";
import { makeSesQuotaReader } from "./transport/ses-quota.ts";
import { makeReloadingSmtpTransport, type Transport } from "./transport/transport.ts";
// Straight from their files: the delivery worker bundles neither the domain service nor its public-suffix list.
import { makeKeySealer } from "./domains/dkim-keys.ts";
import { makeSenderIdentities } from "./domains/sender-identities.ts";
import {
  accountCache,
  attachmentLoader,
  bodyStore,
  builder,
  deliveryQueue,
  messageStore,
  rateLimiter,
  secretsRefresh,
  sendingDomainStore,
  statusService,
} from "./wiring.ts";

const sesClient = /* @__PURE__ */ builder((w) => makeSesClient(w.config));

export const transport = /* @__PURE__ */ builder((w): Transport => {
  if (w.options.transport) return w.options.transport;
  const settings = w.config.transport;
  if (settings.kind === "ses") return makeSesTransport(sesClient(w), settings.configurationSet);
  // Read at each send: a relay login read from Secrets Manager arrives, or changes, after this is built.
  return makeReloadingSmtpTransport(() => {
    const relay = w.config.transport as typeof settings;
    return { ...relay, plain: relay.kind === "mailbox" };
  });
});

/** Each sender domain's DKIM key (decrypted here), return path and links host, cached per container. */
export const senderIdentities = /* @__PURE__ */ builder((w) =>
  makeSenderIdentities({
    store: sendingDomainStore(w),
    sealer: makeKeySealer(() => w.config.domains.keyEncryptionSecret),
    publicUrl: w.config.publicUrl,
    trackingHosts: w.config.domains.trackingHosts,
  }),
);

/** Holds sends to the SES account's rate and daily quota, across every worker (shared/deliver/send-pacing.ts). */
export const sendPacer = /* @__PURE__ */ builder((w) =>
  w.config.transport.kind === "ses" && !w.options.transport
    ? makeSendPacer({
        limiter: rateLimiter(w),
        readQuota: makeSesQuotaReader(sesClient(w)),
        quotaRefreshSeconds: w.config.delivery.sesQuotaRefreshSeconds,
        retrySeconds: w.config.delivery.throttleRetrySeconds,
      })
    : undefined,
);

/** The delivery worker (shared/deliver/deliver-message.ts). */
export const deliverDeps = /* @__PURE__ */ builder((w) => ({
  config: w.config,
  messages: messageStore(w),
  accountCache: accountCache(w),
  bodies: bodyStore(w),
  status: statusService(w),
  deliveryQueue: deliveryQueue(w),
  transport: transport(w),
  pacer: sendPacer(w),
  loadAttachments: attachmentLoader(w),
  senders: senderIdentities(w),
  refreshSecrets: secretsRefresh(w),
}));

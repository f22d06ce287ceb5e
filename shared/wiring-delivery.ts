// The builders of mail sending (see shared/wiring.ts): apart, because a transport brings
// nodemailer (about 230 KB) into the bundle of every function that imports it.
import { makeSesClient } from "./aws.ts";
import { makeSesTransport } from "./transport/ses.ts";
import { makeSmtpTransport, type Transport } from "./transport/transport.ts";
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
  sendingDomainStore,
  statusService,
} from "./wiring.ts";

export const transport = /* @__PURE__ */ builder((w): Transport => {
  if (w.options.transport) return w.options.transport;
  const settings = w.config.transport;
  if (settings.kind === "ses") return makeSesTransport(makeSesClient(w.config), settings.configurationSet);
  return makeSmtpTransport({ ...settings, plain: settings.kind === "mailbox" });
});

/** Each sender domain's DKIM key (decrypted here), return path and links host, cached per container. */
export const senderIdentities = /* @__PURE__ */ builder((w) =>
  makeSenderIdentities({
    store: sendingDomainStore(w),
    sealer: makeKeySealer(w.config.domains.keyEncryptionSecret),
    publicUrl: w.config.publicUrl,
    trackingHosts: w.config.domains.trackingHosts,
  }),
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
  loadAttachments: attachmentLoader(w),
  senders: senderIdentities(w),
}));

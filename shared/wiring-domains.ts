// The builders of sending domains (see shared/wiring.ts): apart, so that only the functions that
// manage or check domains bundle the SES identity client and node's DNS resolver.
import { makeSesClient } from "./aws.ts";
import { makeDnsLookup, makeKeySealer, type DomainDeps } from "./domains/index.ts";
import { log } from "./log.ts";
import { makeSesIdentities } from "./transport/ses-identities.ts";
import { makeDomainEventNotifier } from "./webhooks/index.ts";
import { builder, sendingDomainStore, webhookEndpoints, webhookQueue } from "./wiring.ts";

/**
 * The encryption of DKIM private keys. Its secret is DKIM_KEY_ENCRYPTION_KEY, or on AWS read by
 * ARN into the configuration (shared/secrets/refresh.ts), so it is looked up at each use; the
 * local platform makes one in its data directory.
 */
export const keySealer = /* @__PURE__ */ builder((w) => makeKeySealer(() => w.config.domains.keyEncryptionSecret));

/** The domain service's dependencies (shared/domains/domain-service.ts). */
export const domainDeps = /* @__PURE__ */ builder((w): DomainDeps => {
  const { domains, transport } = w.config;
  const queued = !!w.config.queueUrls.webhooks;
  if (!queued) log.warn("WEBHOOKS_QUEUE_URL is not set: domain.verification_failed will not be posted");
  const notify = queued ? makeDomainEventNotifier({ endpoints: webhookEndpoints(w), queue: webhookQueue(w) }) : async () => undefined;
  return {
    store: sendingDomainStore(w),
    dns: makeDnsLookup({ servers: domains.dnsServers, timeoutMs: domains.dnsTimeoutMs }),
    sealer: keySealer(w),
    settings: {
      spf: domains.spf,
      returnPathMx: domains.returnPathMx,
      dmarcReportAddress: domains.dmarcReportAddress,
      linksHost: domains.linksHost,
    },
    identities: transport.kind === "ses" ? makeSesIdentities(makeSesClient(w.config), transport.configurationSet) : undefined,
    notify,
  };
});

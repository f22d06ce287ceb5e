// What the delivery worker needs of a sender's domain: its DKIM key (decrypted and parsed once
// per container and kept a while), its return path, and the base of its links. Read per domain
// through a cache: a busy sender's domain costs one read and one decryption a few minutes.
import { createPrivateKey } from "node:crypto";
import { returnPathDomain, trackingHost, type SenderIdentity, type SendingDomain } from "../domain/sending-domain.ts";
import { ttlCache } from "../lib/ttl-cache.ts";
import type { SendingDomainStore } from "../store/sending-domains.ts";
import type { KeySealer } from "./dkim-keys.ts";

export interface SenderIdentityOptions {
  store: Pick<SendingDomainStore, "get">;
  sealer: KeySealer;
  /** The deployment's links URL (PUBLIC_URL): a tracking host takes its scheme and port. */
  publicUrl: string;
  /** TRACKING_HOSTS: the deployment serves the links on tenants' tracking hosts. */
  trackingHosts: boolean;
  ttlMs?: number;
}

const verified = (domain: SendingDomain, purpose: string) => domain.records.some((r) => r.purpose === purpose && r.state === "verified");

export function identityOf(domain: SendingDomain, options: Omit<SenderIdentityOptions, "store" | "ttlMs">): SenderIdentity {
  const identity: SenderIdentity = {};
  // Signed whenever there is a key: a message accepted before its domain failed still goes out signed.
  if (domain.dkim)
    identity.dkim = {
      domainName: domain.domain,
      keySelector: domain.dkim.selector,
      // Decrypted and parsed once here; every message of the domain signs with the same KeyObject.
      privateKey: createPrivateKey(options.sealer.open(domain.dkim.sealedPrivateKey)),
    };
  if (verified(domain, "returnPathMx") && verified(domain, "returnPathSpf")) identity.returnPath = returnPathDomain(domain.domain);
  if (options.trackingHosts && verified(domain, "tracking")) {
    const url = new URL(options.publicUrl);
    url.hostname = trackingHost(domain.domain);
    identity.linkBase = url.toString().replace(/\/$/, "");
  }
  return identity;
}

export function makeSenderIdentities(options: SenderIdentityOptions) {
  const cache = ttlCache<SenderIdentity>({ ttlMs: options.ttlMs ?? 5 * 60_000, maxEntries: 10_000 });
  return {
    /** How mail From this domain of this account is signed and addressed; nothing for an unknown domain. */
    of: (accountId: string, domain: string) =>
      cache.get(`${accountId}\n${domain}`, async () => {
        const found = await options.store.get(accountId, domain);
        return found ? identityOf(found, options) : {};
      }),
  };
}

export type SenderIdentities = ReturnType<typeof makeSenderIdentities>;

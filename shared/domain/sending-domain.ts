// A sending domain of an account (docs/domains.md): the DNS records its owner publishes, what
// the last lookup found for each, and the rule that decides whether mail may be sent from it.
import type { KeyObject } from "node:crypto";

/** What a record is for. */
export type RecordPurpose = "dkim" | "returnPathMx" | "returnPathSpf" | "dmarc" | "tracking";
export type RecordType = "TXT" | "MX" | "CNAME";
/**
 * `verified`: found with the expected value; `missing`: the name or the value is not there;
 * `unknown`: DNS did not answer (a timeout, a server failure), so nothing is known yet.
 */
export type RecordState = "verified" | "missing" | "unknown";

export interface DnsRecord {
  purpose: RecordPurpose;
  type: RecordType;
  /** Fully qualified, without the trailing dot. */
  name: string;
  /** What must be published: the TXT text, the MX host or the CNAME target. */
  value: string;
  /** MX only. */
  priority?: number;
  state: RecordState;
  /** When the last lookup of this record finished (epoch ms); absent before the first. */
  checkedAt?: number;
  /** Why the last lookup did not verify it, when it did not. */
  problem?: string;
}

/**
 * `pending`: its records have not all checked out yet; `verified`: its DKIM record and return
 * path check out; `failed`: it was verified, and a later check found them gone.
 */
export type DomainStatus = "pending" | "verified" | "failed";

/** The records without which a domain may not send: DKIM and the return path (MX and SPF). */
export const REQUIRED_PURPOSES: readonly RecordPurpose[] = ["dkim", "returnPathMx", "returnPathSpf"];

export interface SendingDomain {
  accountId: string;
  domain: string;
  status: DomainStatus;
  /**
   * Allowed to send by an operator (npm run admin -- domain add), whatever DNS says. Domains
   * added by the admin CLI before domains verified themselves have only this, and no key.
   */
  operatorVerified?: boolean;
  dkim?: {
    selector: string;
    /** Base64 of the public key (SubjectPublicKeyInfo DER), the `p=` of the DKIM record. */
    publicKey: string;
    /** The private key, encrypted (shared/domains/dkim-keys.ts); never leaves the service. */
    sealedPrivateKey: string;
  };
  records: DnsRecord[];
  /**
   * The provider's own view, where the transport keeps one (an SES identity): `unknown` while
   * it has not confirmed the records yet. It counts with the required records.
   */
  identity?: { provider: "ses"; state: RecordState; checkedAt?: number; problem?: string };
  createdAt: number;
  verifiedAt?: number;
  failedAt?: number;
  lastCheckedAt?: number;
}

/** Whether mail From this domain is accepted now. */
export const maySend = (domain: Pick<SendingDomain, "status" | "operatorVerified">): boolean =>
  domain.operatorVerified === true || domain.status === "verified";

/** The return-path (custom MAIL FROM) subdomain of a domain: bounces go there, and SPF is checked there. */
export const returnPathDomain = (domain: string) => `bounce.${domain}`;
/** The tracking subdomain: a CNAME to the links host. */
export const trackingHost = (domain: string) => `track.${domain}`;

/**
 * The envelope sender of a message from a domain with a return path: on the return-path
 * subdomain, with the message id in the local part (VERP), so a bounce names its message.
 */
export const returnPathAddress = (domain: string, messageId: string) => `bounce+${messageId}@${returnPathDomain(domain)}`;

/** The event posted to the owner's webhook URLs when a verified domain's records stop checking out (docs/webhooks.md). */
export interface DomainWebhookEvent {
  event: "domain.verification_failed";
  /** The same on every delivery of this event. */
  eventId: string;
  /** Epoch milliseconds of the check that failed. */
  ts: number;
  domain: string;
  status: DomainStatus;
  /** The records (and the provider's identity) that did not check out. */
  failedRecords: {
    purpose: RecordPurpose | "identity";
    type?: RecordType;
    name?: string;
    value?: string;
    state: RecordState;
    problem?: string;
  }[];
}

/** What signs and addresses one domain's mail at delivery. */
export interface SenderIdentity {
  /** The private key parsed once (a KeyObject): parsing its PEM at every signature cost twice the RSA signature itself. */
  dkim?: { domainName: string; keySelector: string; privateKey: KeyObject };
  /** The envelope sender's domain (MAIL FROM); absent for a domain without a verified return path. */
  returnPath?: string;
  /** Base URL of the links in this domain's mail, when its tracking host is verified and served. */
  linkBase?: string;
}

/**
 * A provider that keeps its own record of each sending domain (SES identities,
 * shared/transport/ses-identities.ts): told when a domain is added or removed, asked at each check.
 */
export interface DomainIdentities {
  /** Creates (or updates) the identity: signing with our key, the return path as its MAIL FROM. */
  put(domain: string, dkim: { selector: string; privateKeyPem: string }): Promise<void>;
  /** `verified` when the provider will send for it, `unknown` while it is still checking, `missing` when it failed or is gone. */
  state(domain: string): Promise<{ state: RecordState; problem?: string }>;
  remove(domain: string): Promise<void>;
}

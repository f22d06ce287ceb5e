// The DNS records a sending domain publishes, and how each is checked. What they point at
// depends on the transport: SES's include and feedback MX, a relay's, or the local mailbox's.
import { returnPathDomain, trackingHost, type DnsRecord, type RecordState } from "../domain/sending-domain.ts";
import { dkimRecordText } from "./dkim-keys.ts";
import type { DnsLookup, Lookup } from "./dns-lookup.ts";

/** What the records point at (config.domains). */
export interface RecordSettings {
  /** The SPF mechanisms of the mail servers that send for us: `include:amazonses.com`, `ip4:127.0.0.1`. */
  spf: string;
  /** The MX host of the return path: where bounces go. */
  returnPathMx: string;
  /** The DMARC aggregate reports' address; `dmarc-reports@<domain>` when unset. */
  dmarcReportAddress?: string;
  /** The host the tracking subdomain's CNAME points at: the host that serves the links. */
  linksHost: string;
}

/** A selector of the key's birth date, so a new key for the same domain can live beside the old one. */
export const dkimSelector = (now: number) => `ph${new Date(now).toISOString().slice(0, 10).replace(/-/g, "")}`;

export function recordsFor(domain: string, dkim: { selector: string; publicKey: string }, settings: RecordSettings): DnsRecord[] {
  const returnPath = returnPathDomain(domain);
  const rua = settings.dmarcReportAddress ?? `dmarc-reports@${domain}`;
  const fresh = { state: "missing" as RecordState };
  return [
    { purpose: "dkim", type: "TXT", name: `${dkim.selector}._domainkey.${domain}`, value: dkimRecordText(dkim.publicKey), ...fresh },
    { purpose: "returnPathMx", type: "MX", name: returnPath, value: settings.returnPathMx, priority: 10, ...fresh },
    { purpose: "returnPathSpf", type: "TXT", name: returnPath, value: `v=spf1 ${settings.spf} ~all`, ...fresh },
    { purpose: "dmarc", type: "TXT", name: `_dmarc.${domain}`, value: `v=DMARC1; p=none; rua=mailto:${rua}`, ...fresh },
    { purpose: "tracking", type: "CNAME", name: trackingHost(domain), value: settings.linksHost, ...fresh },
  ];
}

const sameHost = (a: string, b: string) => a.toLowerCase().replace(/\.$/, "") === b.toLowerCase().replace(/\.$/, "");
const squash = (text: string) => text.replace(/\s+/g, " ").trim();
/** `p=` of a DKIM record, whatever else the record says and however it was split. */
const dkimKeyOf = (text: string) => /(?:^|;)\s*p=([^;]*)/.exec(text)?.[1]?.replace(/\s+/g, "");

/**
 * Whether what DNS holds matches the record. DKIM: the same public key. SPF: one SPF record
 * that names our mechanisms (the owner may add others). DMARC: any DMARC record (the owner may
 * already have a stricter one). MX and CNAME: our host among the answers.
 */
export function matches(record: DnsRecord, values: string[]): boolean {
  switch (record.purpose) {
    case "dkim":
      return values.some((value) => dkimKeyOf(value) === dkimKeyOf(record.value));
    case "returnPathSpf": {
      const spf = values.filter((value) => /^v=spf1(\s|$)/i.test(value.trim()));
      const wanted = squash(record.value).split(" ").slice(1, -1);
      return spf.length === 1 && wanted.every((term) => squash(spf[0]).toLowerCase().split(" ").includes(term.toLowerCase()));
    }
    case "dmarc":
      return values.some((value) => /^v=DMARC1\s*(;|$)/i.test(value.trim()));
    default:
      return values.some((value) => sameHost(value, record.value));
  }
}

function describeMismatch(record: DnsRecord, values: string[]): string {
  if (record.purpose === "returnPathSpf" && values.filter((v) => /^v=spf1(\s|$)/i.test(v.trim())).length > 1)
    return `${record.name} has more than one SPF record: publish one`;
  return `${record.name} holds ${values.map((v) => JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v)).join(", ")}, not the expected value`;
}

/** Looks the record up now: its state and, when it did not verify, why. */
export async function checkRecord(record: DnsRecord, dns: DnsLookup, now = Date.now()): Promise<DnsRecord> {
  const lookup: Lookup =
    record.type === "TXT" ? await dns.txt(record.name) : record.type === "MX" ? await dns.mx(record.name) : await dns.cname(record.name);
  const { problem: _previous, ...rest } = record;
  if ("unknown" in lookup) return { ...rest, state: "unknown", checkedAt: now, problem: lookup.unknown };
  if ("missing" in lookup) return { ...rest, state: "missing", checkedAt: now, problem: lookup.missing };
  if (matches(record, lookup.found)) return { ...rest, state: "verified", checkedAt: now };
  return { ...rest, state: "missing", checkedAt: now, problem: describeMismatch(record, lookup.found) };
}

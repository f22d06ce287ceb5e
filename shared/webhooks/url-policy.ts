// Which URLs webhooks may be posted to. On AWS a webhook must never reach the operator's own
// network (VPC ranges, the instance metadata service, loopback), or customers could use it to
// probe it: every address a host name resolves to is checked when the URL is registered, and
// again when the request connects, so a DNS answer that changes in between (rebinding) is
// refused too. Locally everything is allowed: the receiver runs on loopback.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";

export type UrlPolicyMode = "local" | "aws";

export const MAX_URL_LENGTH = 2048;

const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this" network
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, instance metadata
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const)
  BLOCKED.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b:1::", 48], // local-use NAT64
  ["100::", 64], // discard
  ["2001::", 32], // Teredo tunnels
  ["2001:db8::", 32],
  ["fc00::", 7], // unique local, includes the IPv6 metadata endpoint fd00:ec2::254
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const)
  BLOCKED.addSubnet(network, prefix, "ipv6");

/** True for an address a webhook must not reach on AWS: private, loopback, link-local and the like. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, "ipv4");
  if (family !== 6) return true;
  const embedded = embeddedIpv4(address);
  if (embedded) return BLOCKED.check(embedded, "ipv4");
  return BLOCKED.check(address, "ipv6");
}

/** The IPv4 address inside an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 IPv6 address. */
function embeddedIpv4(address: string): string | undefined {
  const words = ipv6Words(address);
  if (!words) return undefined;
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  const zeros = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  if (zeros(0, 5) && (words[5] === 0xffff || words[5] === 0))
    return words[5] === 0 && zeros(6, 7) && words[7] <= 1 ? undefined : v4(words[6], words[7]);
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return v4(words[6], words[7]);
  if (words[0] === 0x2002) return v4(words[1], words[2]);
  return undefined;
}

function ipv6Words(address: string): number[] | undefined {
  let text = address.split("%")[0].toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split(".").map(Number);
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::");
  const parse = (part: string | undefined) => (part ? part.split(":").map((w) => parseInt(w, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const words = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : undefined;
}

/** URL.hostname keeps the brackets of an IPv6 literal. */
export const bareHost = (hostname: string) => hostname.replace(/^\[(.*)\]$/, "$1");

export type UrlRefusal = "invalid_url" | "url_not_allowed";

/** Checks that need no DNS: an absolute http(s) URL with a host, and on AWS no literal private address or localhost. */
export function urlSyntaxProblem(value: string, mode: UrlPolicyMode): UrlRefusal | undefined {
  if (value.length > MAX_URL_LENGTH || /\s/.test(value)) return "invalid_url";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "invalid_url";
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) return "invalid_url";
  if (mode === "local") return undefined;
  const host = bareHost(url.hostname).toLowerCase();
  if (isIP(host)) return isBlockedAddress(host) ? "url_not_allowed" : undefined;
  if (host === "localhost" || host.endsWith(".localhost") || !host.includes(".")) return "url_not_allowed";
  return undefined;
}

export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses: LookupAddress[]) =>
      error ? reject(error) : resolve(addresses.map((a) => a.address)),
    ),
  );

/**
 * The full check made when a URL is registered: the syntax, then on AWS every address the
 * host resolves to. A host that does not resolve is refused as well.
 */
export async function checkWebhookUrl(
  value: string,
  mode: UrlPolicyMode,
  resolve: Resolver = systemResolver,
): Promise<UrlRefusal | undefined> {
  const problem = urlSyntaxProblem(value, mode);
  if (problem || mode === "local") return problem;
  const host = bareHost(new URL(value).hostname);
  if (isIP(host)) return undefined;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    return "url_not_allowed";
  }
  return addresses.length === 0 || addresses.some(isBlockedAddress) ? "url_not_allowed" : undefined;
}

export class BlockedAddressError extends Error {
  readonly code = "EWEBHOOKBLOCKED";
}

/**
 * A `lookup` for http.request that resolves, refuses the whole host if any address is
 * blocked, and hands the socket exactly the addresses it checked: the connection cannot be
 * rebound to another address after the check.
 */
export function guardedLookup(resolve: Resolver = systemResolver): LookupFunction {
  return ((hostname: string, options: { all?: boolean; family?: number | string }, callback: (...args: unknown[]) => void) => {
    resolve(hostname).then(
      (addresses) => {
        const blocked = addresses.find(isBlockedAddress);
        if (blocked || addresses.length === 0) {
          callback(new BlockedAddressError(`${hostname} resolves to ${blocked ?? "no address"}, which webhooks may not reach`));
          return;
        }
        const wanted = options?.family === 4 || options?.family === 6 ? options.family : 0;
        const withFamily = addresses.map((address) => ({ address, family: isIP(address) })).filter((a) => !wanted || a.family === wanted);
        if (withFamily.length === 0) {
          callback(Object.assign(new Error(`${hostname} has no IPv${wanted} address`), { code: "ENOTFOUND" }));
          return;
        }
        if (options?.all) callback(null, withFamily);
        else callback(null, withFamily[0].address, withFamily[0].family);
      },
      (error) => callback(error),
    );
  }) as LookupFunction;
}

// Which names may become sending domains: a real DNS name (IDNs as their A-labels), not an IP
// address, not a public suffix (co.uk, github.io: anyone under it could claim all of it).
import { domainToASCII } from "node:url";
import { parse } from "tldts";
import { AppError, type ReasonKey } from "../domain/errors.ts";

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function refuse(key: ReasonKey, message: string): never {
  throw new AppError("validation_error", { message, reasons: [{ key, ref: "Domain" }] });
}

/** The domain in its stored form (lower case, A-labels), or a 400 that says what is wrong. */
export function sendingDomainName(input: unknown): string {
  if (typeof input !== "string" || input.trim() === "") refuse("required", "Domain is required");
  const given = input.trim().toLowerCase().replace(/\.$/, "");
  const parsed = parse(given, { allowPrivateDomains: true });
  if (parsed.isIp || /^\[.*\]$/.test(given)) refuse("ip_not_allowed", `${given} is an IP address: a sending domain must be a domain name`);
  const ascii = domainToASCII(given);
  const labels = ascii.split(".");
  if (!ascii || ascii.length > 253 || labels.length < 2 || !labels.every((label) => LABEL.test(label)))
    refuse("invalid_domain", `${given} is not a domain name`);
  const { domain } = parse(ascii, { allowPrivateDomains: true });
  if (!domain) refuse("public_suffix", `${given} is a public suffix: add a domain registered under it`);
  return ascii;
}

// Address rules shared by both doors.

// Practical RFC 5321 mailbox: a dot-atom local part (or a quoted one) and a domain of LDH labels.
const LOCAL =
  /^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*|"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*")$/;
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const INTERNATIONAL_LOCAL = /^[^\s@"(),:;<>[\\\]]+$/u;

export function isValidAddress(address: string): boolean {
  if (address.length > 254) return false;
  const at = address.lastIndexOf("@");
  if (at < 1 || at === address.length - 1) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64) return false;
  if (!LOCAL.test(local) && !INTERNATIONAL_LOCAL.test(local)) return false;
  const ascii = domainToAscii(domain);
  if (!ascii || ascii.length > 253) return false;
  const labels = ascii.split(".");
  return labels.length >= 2 && labels.every((label) => LABEL.test(label)) && !/^\d+$/.test(labels.at(-1)!);
}

/** Punycode for internationalised domains; null for anything that is not a plain host name. */
function domainToAscii(domain: string): string | null {
  if (/[^\p{L}\p{N}.-]/u.test(domain)) return null;
  try {
    return new URL(`http://${domain}`).hostname || null;
  } catch {
    return null;
  }
}

// Control characters are what header injection is made of; Unisender Go refuses < > @ and , in
// display names, which is what address spoofing ("bank.com <evil@x>") is made of.
const FORBIDDEN_IN_DISPLAY_NAME = /[<>@,\u0000-\u001f\u007f-\u009f]/;

/** A display name both doors accept: no control characters and none of `< > @ ,`. */
export const isAcceptableDisplayName = (name: string): boolean => !FORBIDDEN_IN_DISPLAY_NAME.test(name);

/** The form addresses are compared and stored in: domains are case-insensitive, local parts are kept. */
export function normalizeAddress(address: string): string {
  const at = address.lastIndexOf("@");
  return `${address.slice(0, at)}@${address.slice(at + 1).toLowerCase()}`;
}

/** Suppression and similar lists match case-insensitively, as every major provider does. */
export const suppressionKey = (address: string): string => address.trim().toLowerCase();

export const domainOf = (address: string): string => address.slice(address.lastIndexOf("@") + 1).toLowerCase();

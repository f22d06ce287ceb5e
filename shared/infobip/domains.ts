// /email/1/domains (docs/moving-from-infobip.md, domains): Infobip's domain answers over the same
// domains service as /domains, so a domain added here is the one /domains shows, checked and
// signed the same way.
import type { Caller } from "../domain/account.ts";
import { AppError } from "../domain/errors.ts";
import { maySend, type SendingDomain } from "../domain/sending-domain.ts";
import { createDomain, type DomainDeps, getDomain, listDomains, removeDomain, verifyDomain } from "../domains/index.ts";

export function infobipDomainView(domain: SendingDomain) {
  return {
    domainName: domain.domain,
    active: maySend(domain),
    blocked: false,
    dnsRecords: domain.records.map((record) => ({
      recordType: record.type.toLowerCase(),
      name: record.name,
      expectedValue: record.value,
      verified: record.state === "verified",
    })),
    createdAt: new Date(domain.createdAt).toISOString(),
  };
}

/** GET /email/1/domains?page=&size=: Infobip pages the list; page counts from 0. */
export async function listInfobipDomains(deps: Pick<DomainDeps, "store">, caller: Caller, query: Record<string, string | undefined>) {
  const size = pageNumber(query.size, "size", 10, 1, 20);
  const page = pageNumber(query.page, "page", 0, 0, 10_000);
  const all = await listDomains(deps, caller);
  return {
    paging: { page, size, totalPages: Math.ceil(all.length / size), totalResults: all.length },
    results: all.slice(page * size, page * size + size).map(infobipDomainView),
  };
}

function pageNumber(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new AppError("validation_error", {
      message: `${name} must be a whole number from ${min} to ${max}`,
      reasons: [{ key: "invalid_value", ref: name }],
    });
  }
  return n;
}

export async function addInfobipDomain(deps: DomainDeps, caller: Caller, rawBody: Buffer) {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString("utf8"));
  } catch {
    throw new AppError("invalid_json", { message: 'The body must be JSON: {"domainName": "..."}', reasons: [{ key: "invalid_json" }] });
  }
  const domainName = (body as { domainName?: unknown } | null)?.domainName;
  if (typeof domainName !== "string" || !domainName) {
    throw new AppError("validation_error", { message: "domainName is required", reasons: [{ key: "required", ref: "domainName" }] });
  }
  return infobipDomainView(await createDomain(deps, caller, { Domain: domainName }));
}

export const getInfobipDomain = async (deps: Pick<DomainDeps, "store">, caller: Caller, name: string) =>
  infobipDomainView(await getDomain(deps, caller, name));

export const verifyInfobipDomain = (deps: DomainDeps, caller: Caller, name: string) => verifyDomain(deps, caller, name);

export const deleteInfobipDomain = (deps: DomainDeps, caller: Caller, name: string) => removeDomain(deps, caller, name);

// A sending domain as the API shows it (docs/http-api.md, domains): never its private key.
import { maySend, type SendingDomain } from "../domain/sending-domain.ts";

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function domainView(domain: SendingDomain) {
  const tracking = domain.records.find((r) => r.purpose === "tracking" && r.state === "verified");
  return {
    Domain: domain.domain,
    Status: domain.status,
    CanSend: maySend(domain),
    ...(domain.operatorVerified ? { OperatorVerified: true } : {}),
    ...(domain.dkim ? { DkimSelector: domain.dkim.selector } : {}),
    Records: domain.records.map((record) => ({
      Purpose: record.purpose,
      Type: record.type,
      Name: record.name,
      Value: record.value,
      ...(record.priority !== undefined ? { Priority: record.priority } : {}),
      Required: record.purpose === "dkim" || record.purpose === "returnPathMx" || record.purpose === "returnPathSpf",
      Verified: record.state === "verified",
      State: record.state,
      ...(record.checkedAt ? { CheckedAt: iso(record.checkedAt) } : {}),
      ...(record.problem ? { Problem: record.problem } : {}),
    })),
    ...(domain.identity
      ? {
          Identity: {
            Provider: domain.identity.provider,
            State: domain.identity.state,
            ...(domain.identity.problem ? { Problem: domain.identity.problem } : {}),
          },
        }
      : {}),
    ...(tracking ? { TrackingHost: tracking.name } : {}),
    CreatedAt: iso(domain.createdAt),
    ...(domain.verifiedAt ? { VerifiedAt: iso(domain.verifiedAt) } : {}),
    ...(domain.failedAt ? { FailedAt: iso(domain.failedAt) } : {}),
    ...(domain.lastCheckedAt ? { LastCheckedAt: iso(domain.lastCheckedAt) } : {}),
  };
}

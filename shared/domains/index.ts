// What other features and the entries may use of domains/: the service, the view, the signing
// identities of the delivery worker and the DNS port.
export {
  addDomain,
  check,
  createDomain,
  getDomain,
  listDomains,
  recheckDomains,
  removeDomain,
  statusAfterCheck,
  verifyDomain,
  type AddDomainOptions,
  type DomainDeps,
} from "./domain-service.ts";
export { domainView } from "./view.ts";
export { makeSenderIdentities, identityOf, type SenderIdentities } from "./sender-identities.ts";
export { makeDnsLookup, type DnsLookup } from "./dns-lookup.ts";
export { makeKeySealer, makeDkimKeyPair, dkimRecordText, type KeySealer } from "./dkim-keys.ts";
export { recordsFor, type RecordSettings } from "./records.ts";
export { sendingDomainName } from "./names.ts";

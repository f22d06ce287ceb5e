// The Infobip-compatible door (docs/moving-from-infobip.md): what its route entries use.
export { infobipCredentials, infobipErrorResponse, infobipFace } from "./door.ts";
export { readForm } from "./multipart.ts";
export { infobipSend, type InfobipSendDeps } from "./send.ts";
export {
  addInfobipDomain,
  deleteInfobipDomain,
  getInfobipDomain,
  listInfobipDomains,
  verifyInfobipDomain,
} from "./domains.ts";
export { getBulk, getBulkStatus, rescheduleBulk, updateBulkStatus, type BulkPort, type BulkMessage } from "./bulks.ts";
export { infobipLogEntry, infobipReportEntry, parseInfobipLogsQuery, parseInfobipReportsQuery } from "./read-side.ts";

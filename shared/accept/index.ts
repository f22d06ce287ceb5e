// What other features (the SMTP door) may use of accept/: the one accept path.
export { acceptSubmission, type AcceptDeps } from "./accept.ts";

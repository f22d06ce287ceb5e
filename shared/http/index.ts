// What other features (a compatible door) may use of http/: the answer helpers and the credential and error hooks of httpRoute.
export { apiKeyFrom, type Credentials, type CredentialsReader } from "./auth.ts";
export { json, type ErrorResponder } from "./respond.ts";

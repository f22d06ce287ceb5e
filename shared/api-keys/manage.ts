// The API key routes (POST/GET /api-keys, DELETE /api-keys/{keyId}): an account creates, lists and
// revokes its own keys. A key is shown once, when it is created; only its hash is kept. Keys
// belong to the account, so they are managed with an account key, not a project key.
import * as z from "zod/mini";
import { AppError } from "../domain/errors.ts";
import { reasonsOf } from "../domain/reasons.ts";
import type { ApiKeyRecord, Caller } from "../domain/account.ts";
import type { AccountStore } from "../store/accounts.ts";

export type ApiKeyDeps = { accounts: Pick<AccountStore, "issueApiKey" | "listApiKeys" | "revokeApiKey" | "getProject"> };

export const createKeySchema = z.object({
  Label: z.optional(z.string().check(z.maxLength(100))),
  ProjectId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
});

export function apiKeyView(record: ApiKeyRecord) {
  return {
    Id: record.keyId,
    Prefix: record.prefix,
    ...(record.label ? { Label: record.label } : {}),
    ...(record.projectId ? { ProjectId: record.projectId } : {}),
    CreatedAt: new Date(record.createdAt).toISOString(),
    ...(record.revokedAt ? { RevokedAt: new Date(record.revokedAt).toISOString() } : {}),
  };
}

function requireAccountKey(caller: Caller) {
  if (caller.projectId) throw new AppError("forbidden", { message: "API keys belong to the account: use an account API key" });
}

/** The new key in clear (`Key`), the only time it is ever shown. */
export async function createApiKey(deps: ApiKeyDeps, caller: Caller, input: unknown) {
  requireAccountKey(caller);
  const parsed = createKeySchema.safeParse(input ?? {});
  if (!parsed.success) {
    const [reason] = reasonsOf(parsed.error, input ?? {});
    const field = reason.ref ?? "body";
    throw new AppError("validation_error", { message: `${field} is invalid (${reason.key})`, reasons: [{ key: reason.key, ref: field }] });
  }
  const { Label, ProjectId } = parsed.data;
  if (ProjectId && !(await deps.accounts.getProject(caller.accountId, ProjectId))) {
    throw new AppError("validation_error", {
      message: `Project ${ProjectId} was not found`,
      reasons: [{ key: "not_found", ref: "ProjectId" }],
    });
  }
  const { apiKey, record } = await deps.accounts.issueApiKey(caller.accountId, { projectId: ProjectId, label: Label?.trim() });
  return { ...apiKeyView(record), Key: apiKey };
}

export async function listApiKeys(deps: ApiKeyDeps, caller: Caller) {
  requireAccountKey(caller);
  return (await deps.accounts.listApiKeys(caller.accountId)).map(apiKeyView);
}

export async function revokeApiKey(deps: ApiKeyDeps, caller: Caller, keyId: string) {
  requireAccountKey(caller);
  const record = /^[\w-]{1,64}$/.test(keyId) ? await deps.accounts.revokeApiKey(caller.accountId, keyId) : undefined;
  if (!record)
    throw new AppError("not_found", { message: `API key ${keyId} was not found`, reasons: [{ key: "not_found", ref: "keyId" }] });
  return apiKeyView(record);
}

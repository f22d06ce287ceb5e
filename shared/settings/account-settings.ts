// The account's own settings (docs/http-api.md, account settings): GET /account/settings shows
// them all, PATCH changes what the account may change itself. What the operator grants (skipping
// the unsubscribe link at all, the request rate, the IP allowlist) is shown but set only with the
// admin CLI. Account keys only: a project key sees 403.
import * as z from "zod/mini";
import type { Account, Caller, Project } from "../domain/account.ts";
import { AppError, type Reason } from "../domain/errors.ts";
import { parseOrThrow } from "../domain/reasons.ts";
import type { AccountStore } from "../store/accounts.ts";
import { DEFAULT_RATE_PER_SECOND } from "../store/rate-limit.ts";

export interface SettingsDeps {
  accounts: Pick<AccountStore, "getAccount" | "listProjects" | "updateSettings" | "updateProjectSettings">;
}

export function requireAccountKey(caller: Caller) {
  if (caller.projectId) throw new AppError("forbidden", { message: "Account settings need an account API key, not a project key" });
}

export function settingsView(account: Account, projects: Project[]) {
  return {
    AccountId: account.accountId,
    Name: account.name,
    TrackOpens: account.trackOpens !== false,
    TrackLinks: account.trackLinks !== false,
    SmtpStrict: account.smtpStrict === true,
    SkipUnsubscribe: account.forceSkipUnsubscribe === true,
    AllowSkipUnsubscribe: account.allowSkipUnsubscribe === true,
    RateLimitPerSecond: account.rateLimitPerSecond ?? DEFAULT_RATE_PER_SECOND,
    IpAllowlist: account.ipAllowlist ?? [],
    Projects: projects.map((project) => ({
      ProjectId: project.projectId,
      Name: project.name,
      SkipUnsubscribe: project.forceSkipUnsubscribe === true,
    })),
  };
}

async function current(deps: SettingsDeps, accountId: string) {
  const [account, projects] = await Promise.all([deps.accounts.getAccount(accountId), deps.accounts.listProjects(accountId)]);
  if (!account) throw new AppError("not_found", { message: `Account ${accountId} was not found` });
  return { account, projects };
}

export async function getSettings(deps: SettingsDeps, caller: Caller) {
  requireAccountKey(caller);
  const { account, projects } = await current(deps, caller.accountId);
  return settingsView(account, projects);
}

/** Shown, but set only by the operator (npm run admin -- account set). */
const OPERATOR_SETTINGS = ["AccountId", "Name", "AllowSkipUnsubscribe", "RateLimitPerSecond", "IpAllowlist"];

export const patchSchema = z.strictObject({
  TrackOpens: z.optional(z.boolean()),
  TrackLinks: z.optional(z.boolean()),
  SmtpStrict: z.optional(z.boolean()),
  SkipUnsubscribe: z.optional(z.boolean()),
  Projects: z.optional(
    z.array(z.strictObject({ ProjectId: z.string(), SkipUnsubscribe: z.optional(z.boolean()) })).check(z.maxLength(100)),
  ),
});

const refusal = (key: Reason["key"], ref: string, message: string) =>
  new AppError("validation_error", { message, reasons: [{ key, ref }] });

export async function updateSettings(deps: SettingsDeps, caller: Caller, input: unknown) {
  requireAccountKey(caller);
  if (input && typeof input === "object" && !Array.isArray(input)) {
    const operator = OPERATOR_SETTINGS.filter((name) => name in input);
    if (operator.length > 0) {
      throw new AppError("validation_error", {
        message: `${operator.join(", ")} ${operator.length > 1 ? "are" : "is"} set by the operator (npm run admin -- account set), not through the API`,
        reasons: operator.map((ref) => ({ key: "read_only" as const, ref })),
      });
    }
  }
  const request = parseOrThrow(patchSchema, input ?? {});
  const { account, projects } = await current(deps, caller.accountId);
  const wantsSkip = request.SkipUnsubscribe === true || (request.Projects ?? []).some((p) => p.SkipUnsubscribe === true);
  if (wantsSkip && account.allowSkipUnsubscribe !== true) {
    throw refusal(
      "skip_unsubscribe_not_allowed",
      request.SkipUnsubscribe === true ? "SkipUnsubscribe" : "Projects",
      "This account may not send without the unsubscribe link: the operator grants that (npm run admin -- account set --allow-skip-unsubscribe true)",
    );
  }
  const known = new Set(projects.map((p) => p.projectId));
  (request.Projects ?? []).forEach((p, i) => {
    if (!known.has(p.ProjectId))
      throw refusal("not_found", `Projects[${i}].ProjectId`, `Project ${p.ProjectId} is not a project of this account`);
  });

  await deps.accounts.updateSettings(caller.accountId, {
    trackOpens: request.TrackOpens,
    trackLinks: request.TrackLinks,
    smtpStrict: request.SmtpStrict,
    forceSkipUnsubscribe: request.SkipUnsubscribe,
  });
  for (const p of request.Projects ?? []) {
    await deps.accounts.updateProjectSettings(caller.accountId, p.ProjectId, { forceSkipUnsubscribe: p.SkipUnsubscribe });
  }
  const updated = await current(deps, caller.accountId);
  return settingsView(updated.account, updated.projects);
}

// The options header of an SMTP message (docs/smtp.md): `X-Posthaste`, or `X-UNISENDER-GO` so that
// clients of Unisender Go can move by changing host and credentials. A JSON object, possibly
// MIME-encoded and folded. Every option of the table is understood, and an option the table does
// not have is refused by name rather than silently ignored.
import * as z from "zod/mini";
import { en } from "zod/locales";

import { parseHeaderLine } from "./mime-words.ts";
import { smtpRefusal } from "./replies.ts";
import { LANGUAGES, type Language } from "../domain/language.ts";
import { OPTIONS_HEADERS } from "../domain/headers.ts";
import { parseSendAt } from "../domain/schedule.ts";
import { areUnique, isAcceptableTag, MAX_TAG_LENGTH, MAX_TAGS } from "../domain/tags.ts";

export { OPTIONS_HEADERS };

/** "none": the message has no options header, so its text is sent as written (no `{{...}}` substitution). */
export type TemplateEngine = "simple" | "velocity" | "none";

export interface SmtpOptions {
  language: Language;
  templateEngine: TemplateEngine;
  /** Strings and numbers as text; objects and arrays (for Velocity) as JSON, named in `structuredFields`. */
  substitutions: Record<string, string>;
  structuredFields: string[];
  metadata: Record<string, string>;
  trackLinks: boolean;
  trackRead: boolean;
  skipUnsubscribe: boolean;
  /** Absent: the account's default (docs/smtp.md, strict). */
  strict?: boolean;
  tags: string[];
  /** A stored template whose body this message sends. */
  templateId?: string;
  /** template_engine as given, when it was. */
  explicitEngine?: "simple" | "velocity";
  /** send_at, read (epoch milliseconds). */
  sendAt?: number;
}

export const DEFAULT_SMTP_OPTIONS: SmtpOptions = {
  language: "en",
  templateEngine: "none",
  substitutions: {},
  structuredFields: [],
  metadata: {},
  trackLinks: true,
  trackRead: true,
  skipUnsubscribe: false,
  tags: [],
};

export { MAX_TAG_LENGTH, MAX_TAGS };

// 0/1 as the reference writes them; true/false and "0"/"1" as clients also send them.
const flag = z.pipe(
  z.union([z.literal(0), z.literal(1), z.boolean(), z.enum(["0", "1", "true", "false"])]),
  z.transform((v) => v === 1 || v === true || v === "1" || v === "true"),
);
const scalar = z.pipe(z.union([z.string(), z.number(), z.boolean()]), z.transform(String));

const schema = z.strictObject({
  global_language: z.optional(z.enum(LANGUAGES)),
  template_engine: z.optional(
    z.pipe(
      z.pipe(
        z.string(),
        z.transform((v) => v.toLowerCase()),
      ),
      z.enum(["simple", "velocity"]),
    ),
  ),
  template_id: z.optional(z.nullable(z.string().check(z.maxLength(64)))),
  global_substitutions: z.optional(
    z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())])),
  ),
  global_metadata: z.optional(z.record(z.string(), scalar)),
  track_links: z.optional(flag),
  track_read: z.optional(flag),
  skip_unsubscribe: z.optional(flag),
  strict: z.optional(flag),
  tags: z.optional(
    z
      .array(
        z
          .string()
          .check(
            z.minLength(1),
            z.maxLength(MAX_TAG_LENGTH),
            z.refine(isAcceptableTag, { message: "a tag must not contain control characters" }),
          ),
      )
      .check(z.maxLength(MAX_TAGS), z.refine(areUnique, { message: "tags must be unique" })),
  ),
  send_at: z.optional(
    z.string().check(
      z.refine((text) => parseSendAt(text) !== undefined, {
        message: "not an ISO 8601 time with its offset, such as 2026-03-01T10:00:00+03:00",
      }),
    ),
  ),
});

/** zod/mini carries no messages of its own: the refusal quotes zod's English ones, as the sender sees them. */
const ENGLISH = en().localeError;

/** The decoded JSON text of the options header, or undefined when the message has none. */
export function findOptionsHeader(headerLines: readonly { key: string; line: string }[]): { name: string; value: string } | undefined {
  // X-Posthaste wins when a message carries both.
  for (const wanted of OPTIONS_HEADERS) {
    const line = headerLines.find((h) => h.key.toLowerCase() === wanted);
    if (line) return parseHeaderLine(line.line);
  }
  return undefined;
}

function invalid(header: string, detail: string) {
  return smtpRefusal("invalid_options", `Invalid ${header} header: ${detail}`, header);
}

/** Parses the options header; throws a 554 refusal that names the option at fault. */
export function parseSmtpOptions(header: { name: string; value: string } | undefined): SmtpOptions {
  if (!header) return DEFAULT_SMTP_OPTIONS;
  let json: unknown;
  try {
    json = JSON.parse(header.value);
  } catch (error) {
    throw invalid(header.name, `not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw invalid(header.name, "must be a JSON object");

  const parsed = schema.safeParse(json, { error: ENGLISH });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.code === "unrecognized_keys") {
      throw invalid(
        header.name,
        `${issue.keys.map((key) => [...issue.path.map(String), key].join(".")).join(", ")}: not an option of this header`,
      );
    }
    const path = issue.path.map(String).join(".");
    throw invalid(header.name, `${path || "value"}: ${issue.message}`);
  }
  const options = parsed.data;
  const templateId = options.template_id || undefined;

  const substitutions: Record<string, string> = {};
  const structuredFields: string[] = [];
  for (const [name, value] of Object.entries(options.global_substitutions ?? {})) {
    if (value !== null && typeof value === "object") {
      substitutions[name] = JSON.stringify(value);
      structuredFields.push(name);
    } else substitutions[name] = value === null ? "" : String(value);
  }
  const engine = options.template_engine ?? "simple";
  // With a template_id and no template_engine, the template's engine decides (shared/smtp/ingest.ts).
  if (structuredFields.length > 0 && engine !== "velocity" && !(templateId && !options.template_engine)) {
    throw invalid(header.name, `global_substitutions.${structuredFields[0]}: objects and arrays need template_engine "velocity"`);
  }

  return {
    language: options.global_language ?? "en",
    templateEngine: engine,
    substitutions,
    structuredFields,
    metadata: options.global_metadata ?? {},
    trackLinks: options.track_links ?? true,
    trackRead: options.track_read ?? true,
    skipUnsubscribe: options.skip_unsubscribe ?? false,
    ...(options.strict === undefined ? {} : { strict: options.strict }),
    tags: options.tags ?? [],
    ...(templateId ? { templateId } : {}),
    ...(options.template_engine ? { explicitEngine: options.template_engine } : {}),
    ...(options.send_at ? { sendAt: parseSendAt(options.send_at) } : {}),
  };
}

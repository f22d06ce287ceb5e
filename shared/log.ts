// Structured JSON logs, one line each, through AWS Lambda Powertools' Logger: every line carries
// the Lambda request id once the handler's middy stack has added the invocation's context
// (shared/observability.ts), plus whatever ids the caller passes (message ids, session ids).
// LOG_LEVEL (info, warn or silent) is read on every line: the local runtime and tests set it
// after modules load.
import { Logger } from "@aws-lambda-powertools/logger";
import { logLevel } from "./config.ts";

type Fields = Record<string, unknown>;

/** The one Logger of the process; the middy stack hands it each invocation's context. */
export const logger = new Logger({ serviceName: "posthaste", logLevel: "INFO" });

function write(level: "info" | "warn" | "error", message: string, fields: Fields = {}) {
  const threshold = logLevel();
  if (threshold === "silent" || (level === "info" && threshold === "warn")) return;
  logger[level](message, fields);
}

export const log = {
  info: (message: string, fields?: Fields) => write("info", message, fields),
  warn: (message: string, fields?: Fields) => write("warn", message, fields),
  error: (message: string, fields?: Fields) => write("error", message, fields),
};

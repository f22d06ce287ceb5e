// Structured JSON logs, one line each, with whatever ids the caller passes (request id, message ids).
import { logLevel } from "./config.ts";

type Fields = Record<string, unknown>;

function write(level: "info" | "warn" | "error", message: string, fields: Fields = {}) {
  const threshold = logLevel();
  if (threshold === "silent" || (level === "info" && threshold === "warn")) return;
  const line = JSON.stringify({ level, time: new Date().toISOString(), message, ...fields });
  (level === "info" ? process.stdout : process.stderr).write(`${line}\n`);
}

export const log = {
  info: (message: string, fields?: Fields) => write("info", message, fields),
  warn: (message: string, fields?: Fields) => write("warn", message, fields),
  error: (message: string, fields?: Fields) => write("error", message, fields),
};

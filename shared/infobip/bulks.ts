// /email/1/bulks (docs/moving-from-infobip.md, bulks): a scheduled request (its bulkId) shown,
// moved and cancelled in Infobip's shape, through the scheduled-sends service behind the native
// routes. A bulk is one request: its messages are its copies.
import type { Caller } from "../domain/account.ts";
import { AppError } from "../domain/errors.ts";

/** A copy of the bulk as the door needs it. */
export interface BulkMessage {
  status: string;
  /** Set while the copy is (or was) scheduled. */
  sendAt?: number;
}

/** What the scheduled-sends service does for the door. */
export interface BulkPort {
  /** The caller's copies of the bulk; empty when it is unknown or another tenant's. */
  messages(caller: Caller, bulkId: string): Promise<BulkMessage[]>;
  cancel(caller: Caller, bulkId: string): Promise<void>;
  /** `sendAt` as the client wrote it; the service checks it (ISO 8601 with offset, up to 30 days ahead). */
  move(caller: Caller, bulkId: string, sendAt: string): Promise<void>;
}

const notFound = (bulkId: string) =>
  new AppError("not_found", {
    message: `Bulk ${bulkId} was not found among your scheduled sends`,
    reasons: [{ key: "not_found", ref: "bulkId" }],
  });

function bulkIdOf(query: Record<string, string | undefined>): string {
  const bulkId = query.bulkId;
  if (!bulkId) throw new AppError("validation_error", { message: "bulkId is required", reasons: [{ key: "required", ref: "bulkId" }] });
  return bulkId;
}

function jsonBody(raw: Buffer): Record<string, unknown> {
  try {
    const body: unknown = JSON.parse(raw.toString("utf8"));
    if (body && typeof body === "object" && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // refused below
  }
  throw new AppError("invalid_json", { message: "The body must be a JSON object", reasons: [{ key: "invalid_json" }] });
}

async function scheduledBulk(port: BulkPort, caller: Caller, bulkId: string) {
  const messages = await port.messages(caller, bulkId);
  if (!messages.some((m) => m.sendAt !== undefined)) throw notFound(bulkId);
  return messages;
}

/** Infobip's bulk statuses: PENDING while a copy waits for its time, CANCELED when all were called off, else FINISHED. */
export function bulkStatus(messages: BulkMessage[]): "PENDING" | "CANCELED" | "FINISHED" {
  if (messages.some((m) => m.status === "SCHEDULED")) return "PENDING";
  if (messages.every((m) => m.status === "CANCELLED" || m.status === "REJECTED")) return "CANCELED";
  return "FINISHED";
}

const sendAtOf = (messages: BulkMessage[]) => {
  const times = messages.filter((m) => m.status === "SCHEDULED" && m.sendAt !== undefined).map((m) => m.sendAt!);
  const at = times.length ? Math.min(...times) : Math.min(...messages.filter((m) => m.sendAt !== undefined).map((m) => m.sendAt!));
  return new Date(at).toISOString();
};

export async function getBulk(port: BulkPort, caller: Caller, query: Record<string, string | undefined>) {
  const bulkId = bulkIdOf(query);
  const messages = await scheduledBulk(port, caller, bulkId);
  return { externalBulkId: bulkId, bulks: [{ bulkId, sendAt: sendAtOf(messages) }] };
}

export async function rescheduleBulk(port: BulkPort, caller: Caller, query: Record<string, string | undefined>, raw: Buffer) {
  const bulkId = bulkIdOf(query);
  const { sendAt } = jsonBody(raw);
  if (typeof sendAt !== "string")
    throw new AppError("validation_error", { message: "sendAt is required", reasons: [{ key: "required", ref: "sendAt" }] });
  await scheduledBulk(port, caller, bulkId);
  await port.move(caller, bulkId, sendAt);
  return { bulkId, sendAt: sendAtOf(await port.messages(caller, bulkId)) };
}

export async function getBulkStatus(port: BulkPort, caller: Caller, query: Record<string, string | undefined>) {
  const bulkId = bulkIdOf(query);
  const messages = await scheduledBulk(port, caller, bulkId);
  return { externalBulkId: bulkId, bulks: [{ bulkId, status: bulkStatus(messages) }] };
}

export async function updateBulkStatus(port: BulkPort, caller: Caller, query: Record<string, string | undefined>, raw: Buffer) {
  const bulkId = bulkIdOf(query);
  const { status } = jsonBody(raw);
  if (status === "PAUSED" || status === "PROCESSING") {
    throw new AppError("validation_error", {
      message: `status ${status} is not supported: a scheduled bulk can be moved (PUT /email/1/bulks) or CANCELED`,
      reasons: [{ key: "not_supported", ref: "status" }],
    });
  }
  // Resuming: nothing is ever paused here, so a pending bulk already goes at its time.
  if (status === "PENDING") {
    const messages = await scheduledBulk(port, caller, bulkId);
    return { bulkId, status: bulkStatus(messages) };
  }
  if (status !== "CANCELED") {
    throw new AppError("validation_error", {
      message: "status must be CANCELED (or PENDING, which changes nothing)",
      reasons: [{ key: "invalid_value", ref: "status" }],
    });
  }
  await scheduledBulk(port, caller, bulkId);
  await port.cancel(caller, bulkId);
  return { bulkId, status: bulkStatus(await port.messages(caller, bulkId)) };
}

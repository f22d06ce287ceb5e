// AttachmentsIds of the send API (docs/http-api.md): files uploaded before, attached by id.
import type { Caller } from "../domain/account.ts";
import type { AttachmentRef } from "../domain/body.ts";
import { AppError } from "../domain/errors.ts";
import type { FileStore } from "../files/attachments.ts";

/**
 * AttachmentsIds of the send API (docs/http-api.md): every id must name a live file of the caller's own
 * account, and the files with the body must fit the message size limit.
 */
export async function attachmentsByIds(
  files: Pick<FileStore, "resolve" | "toRef">,
  caller: Caller,
  ids: string[],
  body: { subject: string; html?: string; text?: string },
  messageBytes: number,
): Promise<AttachmentRef[]> {
  const records = await files.resolve(caller, ids);
  const firstMissing = records.findIndex((record) => !record);
  if (firstMissing !== -1) {
    throw new AppError("validation_error", {
      message: `Attachment ${ids[firstMissing]} was not found`,
      reasons: records.flatMap((record, i) => (record ? [] : [{ key: "attachment_not_found", ref: `AttachmentsIds[${i}]` }])),
    });
  }
  const bodyBytes = Buffer.byteLength(body.subject) + Buffer.byteLength(body.html ?? "") + Buffer.byteLength(body.text ?? "");
  const total = records.reduce((sum, record) => sum + record!.size, bodyBytes);
  if (total > messageBytes) {
    throw new AppError("validation_error", {
      message: `Message with its attachments exceeds the size limit of ${messageBytes} bytes`,
      reasons: [{ key: "message_too_large", ref: "AttachmentsIds" }],
    });
  }
  return records.map((record) => files.toRef(record!));
}

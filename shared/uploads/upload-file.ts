// POST /files/files (docs/http-api.md, files): checks the category, the type and the size, then
// stores the file for AttachmentsIds.
import type { Caller } from "../domain/account.ts";
import { AppError } from "../domain/errors.ts";
import { ATTACHMENT_BYTES, UPLOAD_CATEGORIES, attachmentProblem, type NewFile } from "../domain/file.ts";
import type { FileStore } from "../files/attachments.ts";

export interface Upload {
  category: string | undefined;
  file: NewFile | undefined;
}

export async function uploadFile(files: FileStore, caller: Caller, upload: Upload, maxBytes = ATTACHMENT_BYTES) {
  if (!UPLOAD_CATEGORIES.includes(upload.category as (typeof UPLOAD_CATEGORIES)[number])) {
    throw new AppError("validation_error", {
      message: `category must be one of ${UPLOAD_CATEGORIES.join(", ")}`,
      reasons: [{ key: upload.category ? "invalid_category" : "required", ref: "category" }],
    });
  }
  if (!upload.file) {
    throw new AppError("validation_error", {
      message: "A multipart part named file is required",
      reasons: [{ key: "required", ref: "file" }],
    });
  }
  const problem = attachmentProblem(
    { filename: upload.file.filename, size: upload.file.content.length, contentType: upload.file.contentType },
    maxBytes,
  );
  if (problem?.key === "attachment_type_not_allowed") {
    throw new AppError("validation_error", {
      message: `Not allowed attachment type ${problem.extension}`,
      reasons: [{ key: problem.key, ref: "file" }],
    });
  }
  if (problem?.key === "attachment_too_large") {
    throw new AppError("payload_too_large", {
      message: `A file may have at most ${problem.limit} bytes`,
      reasons: [{ key: problem.key, ref: "file" }],
    });
  }
  const [record] = await files.putMany(caller, [upload.file]);
  return { fileId: record.fileId, publicUrl: await files.publicUrl(record) };
}

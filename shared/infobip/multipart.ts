// The multipart/form-data body of POST /email/3/send (docs/moving-from-infobip.md), read part by
// part with busboy: a file over the attachment limit or a part without a name is refused by name
// while reading, never cut short and sent. Field names are read as Infobip clients write them:
// `to`, and the official Node SDK's `to['0']` / `to[0]` for the items of a list.
import { Readable } from "node:stream";
import busboy from "busboy";
import { AppError, type Reason } from "../domain/errors.ts";

export interface FormFile {
  field: string;
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface Form {
  /** Text parts by field name, in the order given (repeatable fields keep every value). */
  fields: Map<string, string[]>;
  files: FormFile[];
}

export interface FormLimits {
  /** One file part. */
  fileBytes: number;
  /** One text part (a body part: html, text). */
  fieldBytes: number;
  parts: number;
}

/** `to['0']`, `to["1"]`, `to[2]` -> `to`: a list item, named the way the official SDK's form builder names it. */
export const fieldName = (name: string) => name.replace(/(?:\[\s*['"]?\d+['"]?\s*\])+$/, "");

const refusal = (key: Reason["key"], ref: string, message: string) =>
  new AppError("validation_error", { message, reasons: [{ key, ref }] });

export function readForm(contentType: string | undefined, body: Buffer, limits: FormLimits): Promise<Form> {
  if (!/^multipart\/form-data\b/i.test(contentType ?? "")) {
    return Promise.reject(
      new AppError("unsupported_media_type", { message: "Content-Type must be multipart/form-data (one part per field)" }),
    );
  }
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string[]>();
    const files: FormFile[] = [];
    let failed: AppError | undefined;
    const fail = (error: AppError) => {
      failed ??= error;
    };
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { "content-type": contentType },
        // One more than allowed, so "exactly at the limit" passes and one byte over is seen.
        limits: { fileSize: limits.fileBytes + 1, fieldSize: limits.fieldBytes + 1, parts: limits.parts + 1 },
        defParamCharset: "utf8",
      });
    } catch {
      reject(refusal("invalid_multipart", "Content-Type", "The multipart boundary is missing from Content-Type"));
      return;
    }
    parser.on("field", (name: string | undefined, value, info) => {
      if (!name) return fail(refusal("invalid_multipart", "form-data", "A part of the form has no name"));
      if (info.valueTruncated) {
        return fail(refusal("too_long", fieldName(name), `${fieldName(name)} is over ${limits.fieldBytes} bytes`));
      }
      const key = fieldName(name);
      fields.set(key, [...(fields.get(key) ?? []), value]);
    });
    parser.on("file", (name: string | undefined, stream, info) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= limits.fileBytes) chunks.push(chunk);
      });
      stream.on("end", () => {
        if (!name) return fail(refusal("invalid_multipart", "form-data", "A part of the form has no name"));
        const field = fieldName(name);
        if (size > limits.fileBytes) {
          return fail(
            refusal("attachment_too_large", field, `${field} ${info.filename ?? ""} is over the limit of ${limits.fileBytes} bytes`),
          );
        }
        files.push({
          field,
          filename: info.filename ?? "",
          contentType: info.mimeType || "application/octet-stream",
          content: Buffer.concat(chunks),
        });
      });
    });
    parser.on("partsLimit", () => fail(refusal("too_many_items", "form-data", `The form has more than ${limits.parts} parts`)));
    parser.on("error", () => reject(failed ?? refusal("invalid_multipart", "form-data", "The multipart body could not be read")));
    parser.on("close", () => (failed ? reject(failed) : resolve({ fields, files })));
    Readable.from([body]).pipe(parser);
  });
}

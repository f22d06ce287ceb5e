// POST /files/files?category=EMAIL_ATTACHMENT: one multipart `file` part, stored for AttachmentsIds (docs/http-api.md).
import { AppError } from "../../shared/domain/errors.ts";
import { loadConfig, type Config } from "../../shared/config.ts";
import { authDeps, fileStore, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import type { FileStore } from "../../shared/files/attachments.ts";
import { uploadFile } from "../../shared/uploads/upload-file.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { cleanFilename, type NewFile } from "../../shared/domain/file.ts";

/** The `file` part of a multipart/form-data body, parsed by Node's own (undici) form-data reader. */
export async function fileFromMultipart(contentType: string | undefined, body: Buffer): Promise<NewFile | undefined> {
  if (!/^multipart\/form-data\b/i.test(contentType ?? "")) {
    throw new AppError("unsupported_media_type", { message: "Content-Type must be multipart/form-data with a part named file" });
  }
  let form: FormData;
  try {
    form = await new Request("http://upload.invalid/", {
      method: "POST",
      headers: { "content-type": contentType! },
      body: new Uint8Array(body),
    }).formData();
  } catch {
    throw new AppError("validation_error", {
      message: "The multipart body could not be read",
      reasons: [{ key: "invalid_multipart", ref: "file" }],
    });
  }
  const part = form.get("file");
  if (!part || typeof part === "string") return undefined;
  return {
    filename: cleanFilename(part.name),
    contentType: part.type || "application/octet-stream",
    content: Buffer.from(await part.arrayBuffer()),
  };
}

export const makeHandler = (deps: AuthDeps & { config: Pick<Config, "limits">; files: FileStore }) =>
  httpRoute({ auth: deps, query: ["category"], maxBodyBytes: deps.config.limits.requestBytes }, async (request) => {
    const category = request.event.queryStringParameters?.category;
    const file = await fileFromMultipart(request.header("content-type"), request.rawBody);
    const result = await uploadFile(deps.files, request.caller, { category, file });
    return json(200, { result });
  });

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...authDeps(w), config: w.config, files: fileStore(w) });

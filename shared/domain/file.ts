// Attachment files (docs/http-api.md, files): the record that says whose a file is, and the rules
// both doors apply to attachments.

export const ATTACHMENT_BYTES = 7 * 1024 * 1024;

/** Types a mail client would run on a double click (docs/http-api.md "and the like"), refused on both doors. */
export const REFUSED_EXTENSIONS = new Set([
  "exe",
  "bat",
  "cmd",
  "com",
  "scr",
  "js",
  "jse",
  "vbs",
  "vbe",
  "vb",
  "msi",
  "msp",
  "mst",
  "jar",
  "ps1",
  "ps1xml",
  "ps2",
  "psc1",
  "psm1",
  "pif",
  "cpl",
  "hta",
  "wsf",
  "wsh",
  "wsc",
  "ws",
  "lnk",
  "reg",
  "inf",
  "scf",
  "gadget",
  "application",
  "msc",
  "dll",
  "sys",
  "apk",
  "app",
  "deb",
  "rpm",
  "sh",
  "appx",
  "msix",
  "iso",
  "img",
  "vhd",
  "vhdx",
]);

/** The last extension, lower case: `invoice.pdf.exe` is an exe. */
export function extensionOf(filename: string): string {
  const base = filename.trim().replace(/[.\s]+$/, ""); // Windows ignores trailing dots and spaces
  const dot = base.lastIndexOf(".");
  return dot === -1 ? "" : base.slice(dot + 1).toLowerCase();
}

// The same programs sent without a telling name.
const REFUSED_TYPES: Record<string, string> = {
  "application/x-msdownload": "exe",
  "application/x-msdos-program": "exe",
  "application/x-dosexec": "exe",
  "application/x-ms-installer": "msi",
  "application/x-msi": "msi",
  "application/java-archive": "jar",
  "application/x-java-archive": "jar",
  "application/hta": "hta",
  "application/x-sh": "sh",
  "application/vnd.microsoft.portable-executable": "exe",
};

export type AttachmentProblem = { key: "attachment_type_not_allowed"; extension: string } | { key: "attachment_too_large"; limit: number };

export function attachmentProblem(
  file: { filename: string; size: number; contentType?: string },
  maxBytes = ATTACHMENT_BYTES,
): AttachmentProblem | undefined {
  const extension = extensionOf(file.filename);
  if (REFUSED_EXTENSIONS.has(extension)) return { key: "attachment_type_not_allowed", extension };
  const byType = REFUSED_TYPES[(file.contentType ?? "").split(";")[0].trim().toLowerCase()];
  if (byType) return { key: "attachment_type_not_allowed", extension: byType };
  if (file.size > maxBytes) return { key: "attachment_too_large", limit: maxBytes };
  return undefined;
}

/** A name safe for headers and file systems: no directories, no control characters, at most 255 characters. */
export function cleanFilename(name: string | undefined, fallback = "attachment"): string {
  const base = (name ?? "")
    .split(/[\\/]/)
    .pop()!
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .trim();
  return (base || fallback).slice(0, 255);
}

export interface FileRecord {
  fileId: string;
  accountId: string;
  projectId?: string;
  filename: string;
  contentType: string;
  size: number;
  key: string;
  createdAt: number;
  expiresAt: number;
}

export interface NewFile {
  filename: string;
  contentType: string;
  content: Buffer;
}

export const UPLOAD_CATEGORIES = ["EMAIL_ATTACHMENT"] as const;

// The web console's files (docs/console.md), served by the platform itself: a fixed list of
// names, each looked up in the given folders (beside the bundle on AWS, the repository locally).
// Every answer carries the console's Content-Security-Policy: scripts and styles from this
// origin only, calls to this origin only, nothing inline, no other origin at all.
import { readFile } from "node:fs/promises";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";

export const CONSOLE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** The files there are; anything else is a 404 without touching the disk. */
export const CONSOLE_FILES = ["index.html", "app.js", "i18n.js", "console.css", "uPlot.iife.min.js", "uPlot.min.css"] as const;

const HEADERS = {
  "content-security-policy": CONSOLE_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/** Reads each file once per container. */
export function consoleAssets(folders: URL[]) {
  const cache = new Map<string, Promise<string | undefined>>();
  const read = (name: string) => {
    let text = cache.get(name);
    if (!text) {
      text = (async () => {
        for (const folder of folders) {
          const found = await readFile(new URL(name, folder), "utf8").catch(() => undefined);
          if (found !== undefined) return found;
        }
        return undefined;
      })();
      cache.set(name, text);
    }
    return text;
  };

  return async (name: string): Promise<APIGatewayProxyStructuredResultV2> => {
    const body = (CONSOLE_FILES as readonly string[]).includes(name) ? await read(name) : undefined;
    if (body === undefined)
      return { statusCode: 404, headers: { ...HEADERS, "content-type": "text/plain; charset=utf-8" }, body: "No such file" };
    const type = TYPES[name.slice(name.lastIndexOf("."))];
    // The page is small and changes with a deploy; the files it names are cached briefly.
    const cache = name === "index.html" ? "no-store" : "public, max-age=300";
    return { statusCode: 200, headers: { ...HEADERS, "content-type": type, "cache-control": cache }, body };
  };
}

// Open tracking: a 1x1 transparent GIF at the end of the HTML part; fetching it records OPENED.
import { escapeHtml } from "../lib/html.ts";
import { appendToHtmlBody } from "./merge.ts";

export function addOpenPixel(html: string, pixelUrl: string): string {
  return appendToHtmlBody(
    html,
    `<img src="${escapeHtml(pixelUrl)}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;margin:0;padding:0">`,
  );
}

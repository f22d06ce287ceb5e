const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

/**
 * The value an HTML attribute stands for (`a?x=1&amp;y=2` is `a?x=1&y=2`): a link is signed and
 * redirected to as the browser would read it. Named references count only with their `;`, so a
 * bare `&lt=5` in a query stays as it is (as browsers keep it); unknown names stay too.
 */
export function decodeHtmlAttribute(value: string): string {
  return value.replace(/&(?:#x([0-9a-f]{1,6});?|#(\d{1,7});?|([a-z]{2,6});)/gi, (match, hex?: string, decimal?: string, name?: string) => {
    if (name !== undefined) return NAMED[name.toLowerCase()] ?? match;
    const code = hex !== undefined ? parseInt(hex, 16) : parseInt(decimal!, 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
  });
}

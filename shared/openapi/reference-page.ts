// GET /docs: the OpenAPI document as a page people can read, rendered on the server from the same
// document (no script at all). Schemas are shown as JSON with their named parts linked.

type Json = Record<string, unknown>;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

/** Inline code (`x`) in descriptions, after escaping. */
const prose = (text: unknown) => (typeof text === "string" ? escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>") : "");

function schemaBlock(schema: unknown): string {
  if (!schema) return "";
  const ref = (schema as Json).$ref;
  if (typeof ref === "string") {
    const name = ref.split("/").pop()!;
    return `<a href="#schema-${escapeHtml(name)}"><code>${escapeHtml(name)}</code></a>`;
  }
  const text = escapeHtml(JSON.stringify(schema, null, 2)).replace(
    /&quot;\$ref&quot;: &quot;#\/components\/schemas\/(\w+)&quot;/g,
    (_m, name: string) => `&quot;$ref&quot;: <a href="#schema-${name}">${name}</a>`,
  );
  return `<details><summary>Schema</summary><pre>${text}</pre></details>`;
}

function contentBlock(content: unknown): string {
  if (!content) return "";
  return Object.entries(content as Record<string, Json>)
    .map(
      ([type, media]) =>
        `<p><code>${escapeHtml(type)}</code> ${schemaBlock(media.schema)}</p>${media.example ? `<details><summary>Example</summary><pre>${escapeHtml(JSON.stringify(media.example, null, 2))}</pre></details>` : ""}`,
    )
    .join("");
}

function operationBlock(path: string, method: string, op: Json): string {
  const params = (op.parameters as Json[] | undefined) ?? [];
  const rows = params
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(String(p.name))}</code></td><td>${escapeHtml(String(p.in))}</td><td>${p.required ? "yes" : "no"}</td><td>${prose((p.schema as Json | undefined)?.description ?? p.description)}</td></tr>`,
    )
    .join("");
  const responses = Object.entries(op.responses as Record<string, Json>)
    .map(([status, r]) => `<tr><td>${escapeHtml(status)}</td><td>${prose(r.description)}${contentBlock(r.content)}</td></tr>`)
    .join("");
  const body = op.requestBody as Json | undefined;
  return `<section class="operation" id="${escapeHtml(String(op.operationId))}">
<h3><span class="method">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
<p>${prose(op.summary)}${op.security && (op.security as unknown[]).length === 0 ? " <em>(public: no API key)</em>" : ""}</p>
${op.description ? `<p>${prose(op.description)}</p>` : ""}
${rows ? `<table><caption>Parameters</caption><thead><tr><th>name</th><th>in</th><th>required</th><th>about</th></tr></thead><tbody>${rows}</tbody></table>` : ""}
${body ? `<h4>Request body</h4>${contentBlock(body.content)}` : ""}
<table><caption>Answers</caption><thead><tr><th>status</th><th>what</th></tr></thead><tbody>${responses}</tbody></table>
</section>`;
}

export function referencePage(document: Json): string {
  const info = document.info as Json;
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags as string[] | undefined)?.[0] ?? "Other";
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationBlock(path, method, op)]);
    }
  }
  const schemas = Object.entries(((document.components as Json | undefined)?.schemas as Record<string, Json> | undefined) ?? {});
  const toc = [...byTag.keys()]
    .map((tag) => `<li><a href="#tag-${escapeHtml(tag.replace(/\W/g, "-"))}">${escapeHtml(tag)}</a></li>`)
    .join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(String(info.title))}</title>
<link rel="stylesheet" href="console/console.css">
</head>
<body class="reference">
<header><h1>${escapeHtml(String(info.title))}</h1><p>${prose(info.description)}</p>
<p><a href="openapi.json">openapi.json</a> · <a href="console/">Console</a></p></header>
<main>
<nav aria-label="Sections"><ul>${toc}<li><a href="#schemas">Schemas</a></li></ul></nav>
${[...byTag].map(([tag, ops]) => `<section id="tag-${escapeHtml(tag.replace(/\W/g, "-"))}"><h2>${escapeHtml(tag)}</h2>${ops.join("\n")}</section>`).join("\n")}
<section id="schemas"><h2>Schemas</h2>
${schemas.map(([name, schema]) => `<section id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3><p>${prose(schema.description)}</p><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></section>`).join("\n")}
</section>
</main>
</body>
</html>`;
}

// The Posthaste web console (docs/console.md): plain JavaScript, no build step. It signs in with
// an API key kept in sessionStorage (this tab only; never in a link, never in localStorage) and
// calls the public API of its own origin like any client. Pages are chosen by the part of the
// address after "#", which never holds the key. Nothing from the API is put into the page as HTML.
(() => {
  const TEXTS = window.PosthasteI18n;
  const KEY = "posthaste.key";
  const LANG = "posthaste.lang";
  const state = {
    key: sessionStorage.getItem(KEY) || "",
    lang: sessionStorage.getItem(LANG) || ((navigator.language || "en").toLowerCase().startsWith("ru") ? "ru" : "en"),
  };
  /** The API is this origin, at the path the console is under. */
  const API = location.pathname.replace(/\/console(\/.*)?$/, "");

  const $ = (id) => document.getElementById(id);
  const t = (id, vars = {}) => {
    let text = (TEXTS[state.lang] && TEXTS[state.lang][id]) || TEXTS.en[id] || id;
    for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{${name}}`, String(value));
    return text;
  };

  /** An element with attributes (on* as listeners) and children (strings become text, never HTML). */
  function h(tag, attributes = {}, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
      else if (name === "class") element.className = value;
      else element.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat(Number.POSITIVE_INFINITY)) {
      if (child === undefined || child === null || child === false) continue;
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
  }

  class ApiError extends Error {
    constructor(status, body) {
      super(body?.Description || `HTTP ${status}`);
      this.status = status;
      this.body = body;
    }
  }

  /** `signIn`: a 401 is the caller's to report (a wrong key typed in), not a reason to sign out. */
  async function api(method, path, body, { signIn = false } = {}) {
    const response = await fetch(API + path, {
      method,
      headers: { authorization: `Key ${state.key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
    const text = await response.text();
    let data;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (response.status === 401 && state.key && !signIn) {
      signOut();
      throw new ApiError(401, data);
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  function say(text, kind = "info") {
    const status = $("status");
    status.textContent = "";
    status.className = `status ${kind}`;
    // A fresh node, so screen readers announce the same text twice in a row.
    status.append(h("span", {}, text));
  }
  const fail = (error) => say(`${t("error")}: ${error.message}`, "error");

  const time = (iso) => new Intl.DateTimeFormat(state.lang, { dateStyle: "short", timeStyle: "medium" }).format(new Date(iso));

  async function copy(text) {
    try {
      await navigator.clipboard.writeText(text);
      say(t("copied"));
    } catch {
      say(t("copyFailed"), "error");
    }
  }
  const copyButton = (text, name) =>
    h("button", { type: "button", class: "small", "aria-label": `${t("copy")}: ${name}`, onclick: () => copy(text) }, t("copy"));

  /** A table that scrolls sideways on a narrow screen, reachable by keyboard. */
  function table(caption, headers, rows) {
    if (rows.length === 0) return h("p", {}, t("none"));
    return h(
      "div",
      { class: "scroll", tabindex: "0", role: "region", "aria-label": caption },
      h(
        "table",
        {},
        h("caption", {}, caption),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            headers.map((header) => h("th", { scope: "col" }, header)),
          ),
        ),
        h(
          "tbody",
          {},
          rows.map((cells) =>
            h(
              "tr",
              {},
              cells.map((cell) => h("td", {}, cell)),
            ),
          ),
        ),
      ),
    );
  }

  function field(id, label, input) {
    return h("div", { class: "field" }, h("label", { for: id }, label), input);
  }

  /** A form whose submit runs `action`; its errors show inside it, next to the button. */
  function form(label, fields, submitText, action) {
    const message = h("p", { class: "form-error", role: "alert" });
    const element = h(
      "form",
      {
        "aria-label": label,
        onsubmit: async (event) => {
          event.preventDefault();
          message.textContent = "";
          try {
            await action(new FormData(element));
          } catch (error) {
            message.textContent = `${t("error")}: ${error.message}`;
          }
        },
      },
      fields,
      h("button", { type: "submit" }, submitText),
      message,
    );
    return element;
  }

  // ---- pages -------------------------------------------------------------------------------

  const STATUSES = [
    "ACCEPTED",
    "SCHEDULED",
    "SENT",
    "DELIVERED",
    "OPENED",
    "CLICKED",
    "BOUNCED",
    "REJECTED",
    "UNSUBSCRIBED",
    "COMPLAINED",
    "CANCELLED",
  ];

  const PAGES = [
    { id: "statistics", render: statisticsPage },
    { id: "messages", render: messagesPage },
    { id: "templates", render: templatesPage },
    { id: "domains", render: domainsPage },
    { id: "suppressions", render: suppressionsPage },
    { id: "webhooks", render: webhooksPage },
    { id: "keys", render: keysPage },
  ];

  async function messagesPage(main, [messageId]) {
    main.append(h("h1", { tabindex: "-1" }, t("messages")));
    main.append(
      form(
        t("findMessage"),
        field(
          "message-id",
          t("messageId"),
          h("input", { id: "message-id", name: "id", required: true, autocomplete: "off", value: messageId || "" }),
        ),
        t("open"),
        async (data) => {
          location.hash = `#/messages/${encodeURIComponent(String(data.get("id")).trim())}`;
        },
      ),
    );
    if (messageId) await messageDetails(main, messageId);
    else await logsList(main);
  }

  async function messageDetails(main, messageId) {
    let message;
    try {
      message = (await api("GET", `/email/messages/${encodeURIComponent(messageId)}`)).Result;
    } catch (error) {
      main.append(h("p", { class: "form-error" }, error.status === 404 ? t("notFound") : error.message));
      return;
    }
    const facts = [
      [t("status"), h("span", { class: `badge s-${message.Status.toLowerCase()}` }, message.Status)],
      [t("address"), message.Address],
      [t("sender"), message.Sender],
      [t("created"), time(message.CreatedAt)],
      [t("opens"), message.Opens],
      [t("clicks"), message.Clicks],
      [t("attempts"), message.Attempts],
    ];
    main.append(
      h(
        "section",
        { class: "message", "aria-labelledby": "message-title" },
        h("h2", { id: "message-title" }, message.Subject),
        h("p", { class: "mono" }, message.MessageId),
        h(
          "dl",
          { class: "facts" },
          facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
        ),
        h("h3", {}, t("timeline")),
        h(
          "ol",
          { class: "timeline" },
          message.History.map((entry) =>
            h(
              "li",
              {},
              h("span", { class: `badge s-${entry.Status.toLowerCase()}` }, entry.Status),
              " ",
              h("time", { datetime: entry.Time }, time(entry.Time)),
              entry.Reason ? h("span", { class: "reason" }, ` ${entry.Reason}`) : null,
            ),
          ),
        ),
      ),
    );
  }

  const STAT_ROWS = [
    "Billed",
    "Sending",
    "Sent",
    "Delivered",
    "Opened",
    "Clicked",
    "DeliveryErrors",
    "Rejected",
    "Unsubscribed",
    "Total",
    "Cancelled",
  ];
  const CHART_ROWS = ["Delivered", "Opened", "Clicked", "DeliveryErrors", "Rejected"];
  const CHART_COLOURS = ["#1a6b32", "#0b5cad", "#7a3fb0", "#a4161a", "#6e4b00"];
  const PERIODS = ["today", "week", "month", "3months", "6months", "year"];

  async function statisticsPage(main) {
    main.append(h("h1", { tabindex: "-1" }, t("statistics")));
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    const chosen = { period: "today" };
    const result = h("div");
    const percent = new Intl.NumberFormat(state.lang, { maximumFractionDigits: 2 });
    const count = new Intl.NumberFormat(state.lang);
    const quick = h(
      "div",
      { class: "quick", role: "group", "aria-label": t("quickPeriods") },
      PERIODS.map((period) =>
        h(
          "button",
          { type: "button", "data-period": period, "aria-pressed": String(period === chosen.period), onclick: () => show({ period }) },
          t(`period_${period}`),
        ),
      ),
    );
    const project = h("input", { id: "stat-project", name: "project", autocomplete: "off" });
    const tag = h("input", { id: "stat-tag", name: "tag", autocomplete: "off" });
    const from = h("input", { id: "stat-from", name: "from", type: "datetime-local", step: "3600" });
    const to = h("input", { id: "stat-to", name: "to", type: "datetime-local", step: "3600" });

    async function show(choice) {
      Object.assign(chosen, choice.period ? { period: choice.period, from: undefined, to: undefined } : choice);
      for (const button of quick.querySelectorAll("button"))
        button.setAttribute("aria-pressed", String(button.dataset.period === chosen.period));
      const query = new URLSearchParams({ tz: zone });
      if (chosen.period) query.set("period", chosen.period);
      if (chosen.from) query.set("from", `${chosen.from.slice(0, 13)}:00`);
      if (chosen.to) query.set("to", `${chosen.to.slice(0, 13)}:00`);
      if (project.value.trim()) query.set("projectId", project.value.trim());
      if (tag.value.trim()) query.set("tag", tag.value.trim());
      const days =
        chosen.period === "today" || (chosen.from && chosen.to && Date.parse(chosen.to) - Date.parse(chosen.from) <= 2 * 86_400_000);
      query.set("groupBy", days ? "hour" : "day");
      const answer = (await api("GET", `/email/statistics?${query}`)).Result;
      result.textContent = "";
      const rows = new Map(answer.Rows.map((row) => [row.Row, row]));
      result.append(
        h("p", {}, t("statRange", { from: time(answer.From), to: time(answer.To), zone: answer.TimeZone })),
        table(
          t("statTable"),
          [t("status"), t("statCount"), t("statPercent")],
          STAT_ROWS.filter((name) => rows.has(name)).map((name) => {
            const row = rows.get(name);
            return [t(`row_${name}`), count.format(row.Count), row.Percent === undefined ? "" : `${percent.format(row.Percent)} %`];
          }),
        ),
      );
      if (answer.Buckets && window.uPlot) result.append(chart(answer));
    }

    function chart(answer) {
      const box = h("figure", { class: "chart" }, h("figcaption", {}, t("statChart")));
      const holder = h("div", { role: "img", "aria-label": t("statChartLabel") });
      box.append(holder);
      const xs = answer.Buckets.map((b) => Date.parse(b.Start) / 1000);
      const series = CHART_ROWS.map((name) => answer.Buckets.map((b) => b.Rows.find((r) => r.Row === name)?.Count ?? 0));
      const width = Math.max(280, Math.min(main.clientWidth - 8, 1000));
      requestAnimationFrame(
        () =>
          new window.uPlot(
            {
              width,
              height: 260,
              series: [{}, ...CHART_ROWS.map((name, i) => ({ label: t(`row_${name}`), stroke: CHART_COLOURS[i], width: 2 }))],
              axes: [{}, { values: (_u, ticks) => ticks.map((v) => count.format(v)) }],
            },
            [xs, ...series],
            holder,
          ),
      );
      return box;
    }

    main.append(
      quick,
      form(
        t("customRange"),
        [
          field("stat-from", t("from"), from),
          field("stat-to", t("to"), to),
          field("stat-project", t("project"), project),
          field("stat-tag", t("tag"), tag),
        ],
        t("show"),
        () =>
          from.value
            ? show({ period: undefined, from: from.value, to: to.value || undefined })
            : show({ period: chosen.period || "today" }),
      ),
      result,
    );
    await show({ period: "today" });
  }

  async function logsList(main) {
    const status = h(
      "select",
      { id: "log-status", name: "status" },
      h("option", { value: "" }, t("anyStatus")),
      STATUSES.map((s) => h("option", { value: s }, s)),
    );
    const inputs = {
      to: h("input", { id: "log-to", name: "to", type: "email", autocomplete: "off" }),
      from: h("input", { id: "log-from", name: "from", type: "email", autocomplete: "off" }),
      tag: h("input", { id: "log-tag", name: "tag", autocomplete: "off" }),
      sentSince: h("input", { id: "log-since", name: "sentSince", type: "datetime-local" }),
      sentUntil: h("input", { id: "log-until", name: "sentUntil", type: "datetime-local" }),
    };
    const list = h("div");
    const load = async (cursor) => {
      const query = new URLSearchParams({ limit: "50" });
      if (status.value) query.set("status", status.value);
      for (const name of ["to", "from", "tag"]) if (inputs[name].value.trim()) query.set(name, inputs[name].value.trim());
      for (const name of ["sentSince", "sentUntil"]) if (inputs[name].value) query.set(name, new Date(inputs[name].value).toISOString());
      if (cursor) query.set("cursor", cursor);
      const page = await api("GET", `/email/logs?${query}`);
      if (!cursor) list.textContent = "";
      list.querySelector(".more")?.remove();
      const rows = page.Result.map((entry) => [
        time(entry.CreatedAt),
        h("a", { href: `#/messages/${encodeURIComponent(entry.MessageId)}` }, entry.Subject || entry.MessageId),
        entry.Address,
        h("span", { class: `badge s-${entry.Status.toLowerCase()}` }, entry.Status),
        entry.Reason || "",
      ]);
      if (rows.length || !cursor) list.append(table(t("logs"), [t("created"), t("subject"), t("address"), t("status"), t("reason")], rows));
      if (page.Cursor) list.append(h("button", { type: "button", class: "more", onclick: () => load(page.Cursor).catch(fail) }, t("more")));
    };
    main.append(
      h("h2", {}, t("logs")),
      form(
        t("logFilters"),
        [
          field("log-to", t("address"), inputs.to),
          field("log-from", t("sender"), inputs.from),
          field("log-status", t("status"), status),
          field("log-tag", t("tag"), inputs.tag),
          field("log-since", t("from"), inputs.sentSince),
          field("log-until", t("to"), inputs.sentUntil),
        ],
        t("show"),
        () => load(),
      ),
      list,
    );
    await load();
  }

  async function templatesPage(main, [templateId]) {
    main.append(h("h1", { tabindex: "-1" }, t("templates")));
    if (templateId !== undefined) return templateEditor(main, templateId);
    const list = (await api("GET", "/email/templates?limit=100")).Result;
    main.append(
      table(
        t("templates"),
        [t("templateId"), t("label"), t("engine"), t("updated")],
        list.map((tpl) => [
          h("a", { href: `#/templates/${encodeURIComponent(tpl.Id)}` }, tpl.Id),
          tpl.Name,
          tpl.Engine,
          time(tpl.UpdatedAt),
        ]),
      ),
      h("p", {}, h("a", { href: "#/templates/" }, t("newTemplate"))),
    );
  }

  async function templateEditor(main, templateId) {
    const existing = templateId ? (await api("GET", `/email/templates/${encodeURIComponent(templateId)}`)).Result : {};
    const input = (id, name, value, extra = {}) => h("input", { id, name, value: value ?? "", autocomplete: "off", ...extra });
    const area = (id, name, value) => h("textarea", { id, name, spellcheck: "false" }, value ?? "");
    const fields = {
      id: input(
        "tpl-id",
        "id",
        templateId,
        templateId ? { readonly: true } : { required: true, pattern: "[A-Za-z0-9][A-Za-z0-9_\\-]{0,63}" },
      ),
      name: input("tpl-name", "name", existing.Name, { required: true, maxlength: "200" }),
      engine: h(
        "select",
        { id: "tpl-engine", name: "engine" },
        ["simple", "velocity"].map((e) => h("option", { value: e, selected: existing.Engine === e }, e)),
      ),
      subject: input("tpl-subject", "subject", existing.Subject, { maxlength: "998" }),
      html: area("tpl-html", "html", existing.Html),
      text: area("tpl-text", "text", existing.Text),
      sample: area("tpl-sample", "sample", '{"Name": "Anna"}'),
    };
    const errors = {
      Html: h("p", { class: "form-error", id: "tpl-html-error" }),
      Text: h("p", { class: "form-error", id: "tpl-text-error" }),
      Subject: h("p", { class: "form-error" }),
    };
    fields.html.setAttribute("aria-describedby", "tpl-html-error");
    fields.text.setAttribute("aria-describedby", "tpl-text-error");
    const frame = h("iframe", { class: "preview", title: t("preview"), sandbox: "" });
    const previewText = h("pre", { class: "preview-text", "aria-label": t("previewText") });
    const previewSubject = h("p", { class: "preview-subject" });
    const missing = h("p", { class: "reason" });

    /** "Html at line 2, column 1: ..." puts the message under Html and the caret on that line. */
    function showError(error) {
      const reason = error.body?.Reasons?.find((r) => r.key === "invalid_template" && errors[r.ref]);
      if (!reason) throw error;
      errors[reason.ref].textContent = error.message;
      const field = fields[reason.ref.toLowerCase()];
      const line = Number(/line (\d+)/.exec(error.message)?.[1] ?? 1);
      const lines = field.value.split("\n");
      const start = lines.slice(0, line - 1).join("\n").length + (line > 1 ? 1 : 0);
      field.focus();
      field.setSelectionRange(start, start + (lines[line - 1] ?? "").length);
    }

    async function saveAndPreview() {
      for (const element of Object.values(errors)) element.textContent = "";
      const id = fields.id.value.trim();
      const body = { Name: fields.name.value, Engine: fields.engine.value };
      for (const [key, field] of [
        ["Subject", fields.subject],
        ["Html", fields.html],
        ["Text", fields.text],
      ])
        if (field.value) body[key] = field.value;
      try {
        await api("PUT", `/email/templates/${encodeURIComponent(id)}`, body);
      } catch (error) {
        return showError(error);
      }
      let sample;
      try {
        sample = JSON.parse(fields.sample.value || "{}");
      } catch {
        throw new Error(t("badSample"));
      }
      const rendered = (await api("POST", `/email/templates/${encodeURIComponent(id)}/render`, { MergeFields: sample })).Result;
      previewSubject.textContent = rendered.Subject ? `${t("subject")}: ${rendered.Subject}` : "";
      frame.srcdoc = rendered.Html ?? "";
      previewText.textContent = rendered.Text ?? "";
      missing.textContent = rendered.MissingFields.length ? `${t("missingFields")}: ${rendered.MissingFields.join(", ")}` : "";
      say(t("saved"));
      if (!templateId) history.replaceState(null, "", `#/templates/${encodeURIComponent(id)}`);
    }

    main.append(
      h("p", {}, h("a", { href: "#/templates" }, `← ${t("templates")}`)),
      form(
        t("editTemplate"),
        [
          field("tpl-id", t("templateId"), fields.id),
          field("tpl-name", t("label"), fields.name),
          field("tpl-engine", t("engine"), fields.engine),
          field("tpl-subject", t("subject"), fields.subject),
          h(
            "div",
            { class: "editor" },
            h("div", {}, field("tpl-html", "HTML", fields.html), errors.Html, field("tpl-text", t("plainText"), fields.text), errors.Text),
            h(
              "div",
              {},
              field("tpl-sample", t("sampleFields"), fields.sample),
              h("h2", {}, t("preview")),
              previewSubject,
              missing,
              frame,
              previewText,
            ),
          ),
        ],
        t("savePreview"),
        saveAndPreview,
      ),
    );
  }

  async function domainsPage(main, [name]) {
    main.append(h("h1", { tabindex: "-1" }, t("domains")));
    if (name) return domainDetails(main, name);
    const domains = (await api("GET", "/domains")).Result;
    main.append(
      table(
        t("domains"),
        [t("domain"), t("status"), t("canSend")],
        domains.map((domain) => [
          h("a", { href: `#/domains/${encodeURIComponent(domain.Domain)}` }, domain.Domain),
          h("span", { class: `badge s-${domain.Status}` }, t(`domain_${domain.Status}`)),
          domain.CanSend ? t("yes") : t("no"),
        ]),
      ),
      h("h2", {}, t("addDomain")),
      form(
        t("addDomain"),
        field(
          "new-domain",
          t("domain"),
          h("input", { id: "new-domain", name: "domain", required: true, autocomplete: "off", placeholder: "mail.example.com" }),
        ),
        t("add"),
        async (data) => {
          const added = (await api("POST", "/domains", { Domain: String(data.get("domain")).trim() })).Result;
          location.hash = `#/domains/${encodeURIComponent(added.Domain)}`;
        },
      ),
    );
  }

  async function domainDetails(main, name) {
    const show = (domain) => {
      section.textContent = "";
      section.append(
        h("h2", { id: "domain-title" }, domain.Domain, " ", h("span", { class: `badge s-${domain.Status}` }, t(`domain_${domain.Status}`))),
        h("p", {}, domain.CanSend ? t("domainCanSend") : t("domainCannotSend")),
        h("p", {}, t("publishRecords")),
        table(
          t("records"),
          [t("recordType"), t("recordName"), t("recordValue"), t("status")],
          domain.Records.map((record) => [
            record.Type,
            h("span", { class: "copyable" }, h("code", {}, record.Name), " ", copyButton(record.Name, `${record.Type} ${t("recordName")}`)),
            h(
              "span",
              { class: "copyable" },
              h("code", {}, record.Priority !== undefined ? `${record.Priority} ${record.Value}` : record.Value),
              " ",
              copyButton(record.Value, `${record.Type} ${record.Name}`),
            ),
            h(
              "span",
              {},
              h("span", { class: `badge s-${record.State}` }, t(`record_${record.State}`)),
              record.Problem ? h("small", { class: "reason" }, ` ${record.Problem}`) : null,
            ),
          ]),
        ),
        h(
          "p",
          { class: "row-actions" },
          h(
            "button",
            {
              type: "button",
              onclick: async () => {
                try {
                  show((await api("POST", `/domains/${encodeURIComponent(domain.Domain)}/verify`)).Result);
                  say(t("checked"));
                } catch (error) {
                  fail(error);
                }
              },
            },
            t("verify"),
          ),
          h(
            "button",
            {
              type: "button",
              class: "danger",
              onclick: async () => {
                if (!confirm(t("confirmRemove", { name: domain.Domain }))) return;
                await api("DELETE", `/domains/${encodeURIComponent(domain.Domain)}`).then(() => {
                  location.hash = "#/domains";
                }, fail);
              },
            },
            t("remove"),
          ),
        ),
      );
    };
    const section = h("section", { "aria-labelledby": "domain-title" });
    main.append(h("p", {}, h("a", { href: "#/domains" }, `← ${t("domains")}`)), section);
    show((await api("GET", `/domains/${encodeURIComponent(name)}`)).Result);
  }

  async function suppressionsPage(main) {
    main.append(h("h1", { tabindex: "-1" }, t("suppressions")));
    const causes = ["unsubscribed", "hard_bounce", "complaint", "manual"];
    const list = h("div");
    const cause = h(
      "select",
      { id: "cause", name: "cause" },
      h("option", { value: "" }, t("anyCause")),
      causes.map((c) => h("option", { value: c }, c)),
    );
    const load = async (cursor) => {
      const query = new URLSearchParams({ limit: "50" });
      if (cause.value) query.set("cause", cause.value);
      if (cursor) query.set("cursor", cursor);
      const page = await api("GET", `/suppressions?${query}`);
      if (!cursor) list.textContent = "";
      list.querySelector(".more")?.remove();
      list.append(
        table(
          t("suppressions"),
          [t("email"), t("cause"), t("created"), t("reason"), t("actions")],
          page.Result.map((entry) => [
            entry.Email,
            entry.Cause,
            time(entry.CreatedAt),
            entry.Reason || "",
            h(
              "button",
              {
                type: "button",
                class: "small",
                "aria-label": `${t("remove")}: ${entry.Email}`,
                onclick: async () => {
                  if (!confirm(t("confirmRemove", { name: entry.Email }))) return;
                  await api("DELETE", `/suppressions/${encodeURIComponent(entry.Email)}`).catch(fail);
                  await load();
                },
              },
              t("remove"),
            ),
          ]),
        ),
      );
      if (page.Cursor) list.append(h("button", { type: "button", class: "more", onclick: () => load(page.Cursor).catch(fail) }, t("more")));
    };
    main.append(
      form(t("show"), field("cause", t("cause"), cause), t("show"), () => load()),
      list,
      h("h2", {}, t("addAddress")),
      form(
        t("addAddress"),
        [
          field(
            "add-email",
            t("email"),
            h("input", { id: "add-email", name: "email", type: "email", required: true, autocomplete: "off" }),
          ),
          field("add-reason", t("reason"), h("input", { id: "add-reason", name: "reason", maxlength: "500" })),
        ],
        t("add"),
        async (data) => {
          await api("POST", "/suppressions", { Email: data.get("email"), ...(data.get("reason") ? { Reason: data.get("reason") } : {}) });
          say(t("saved"));
          await load();
        },
      ),
    );
    await load();
  }

  async function webhooksPage(main) {
    main.append(h("h1", { tabindex: "-1" }, t("webhooks")));
    const list = h("div");
    const load = async () => {
      const webhooks = (await api("GET", "/webhooks")).Result;
      list.textContent = "";
      list.append(
        table(
          t("webhooks"),
          [t("url"), t("secret"), t("created"), t("actions")],
          webhooks.map((hook) => [
            hook.Url
              ? h("span", {}, hook.Url, hook.Description ? h("small", {}, ` ${hook.Description}`) : null)
              : h("em", {}, t("callbackSigner")),
            h("span", { class: "secret" }, h("code", {}, `${hook.Secret.slice(0, 8)}…`), " ", copyButton(hook.Secret, t("secret"))),
            time(hook.CreatedAt),
            h(
              "span",
              { class: "row-actions" },
              h(
                "button",
                { type: "button", class: "small", onclick: () => api("POST", `/webhooks/${hook.Id}/rotate-secret`).then(load, fail) },
                t("rotate"),
              ),
              hook.Url
                ? h(
                    "button",
                    {
                      type: "button",
                      class: "small",
                      "aria-label": `${t("sendTest")}: ${hook.Url}`,
                      onclick: () => api("POST", `/webhooks/${hook.Id}/test`).then(() => say(t("testSent")), fail),
                    },
                    t("sendTest"),
                  )
                : null,
              hook.Url
                ? h(
                    "button",
                    {
                      type: "button",
                      class: "small danger",
                      "aria-label": `${t("remove")}: ${hook.Url}`,
                      onclick: () =>
                        confirm(t("confirmRemove", { name: hook.Url })) && api("DELETE", `/webhooks/${hook.Id}`).then(load, fail),
                    },
                    t("remove"),
                  )
                : null,
            ),
          ]),
        ),
      );
    };
    main.append(
      list,
      h(
        "p",
        {},
        h(
          "button",
          {
            type: "button",
            onclick: async () => {
              try {
                const { Replayed, Complete } = (await api("POST", "/webhooks/replay")).Result;
                say(t(Complete ? "replayed" : "replayedMore", { count: Replayed }));
              } catch (error) {
                fail(error);
              }
            },
          },
          t("replay"),
        ),
      ),
      h("h2", {}, t("addWebhook")),
      form(
        t("addWebhook"),
        [
          field("hook-url", t("url"), h("input", { id: "hook-url", name: "url", type: "url", required: true, placeholder: "https://" })),
          field("hook-description", t("description"), h("input", { id: "hook-description", name: "description", maxlength: "256" })),
        ],
        t("add"),
        async (data) => {
          await api("POST", "/webhooks", {
            Url: data.get("url"),
            ...(data.get("description") ? { Description: data.get("description") } : {}),
          });
          say(t("saved"));
          await load();
        },
      ),
    );
    await load();
  }

  async function keysPage(main) {
    main.append(h("h1", { tabindex: "-1" }, t("keys")));
    const fresh = h("div", { "aria-live": "polite" });
    const list = h("div");
    const load = async () => {
      const keys = (await api("GET", "/api-keys")).Result;
      list.textContent = "";
      list.append(
        table(
          t("keys"),
          [t("prefix"), t("label"), t("project"), t("created"), t("status"), t("actions")],
          keys.map((key) => [
            h("code", {}, `${key.Prefix}…`),
            key.Label || "",
            key.ProjectId || "",
            time(key.CreatedAt),
            key.RevokedAt ? `${t("revoked")} ${time(key.RevokedAt)}` : t("active"),
            key.RevokedAt
              ? ""
              : h(
                  "button",
                  {
                    type: "button",
                    class: "small danger",
                    "aria-label": `${t("revoke")}: ${key.Label || key.Prefix}`,
                    onclick: () =>
                      confirm(t("confirmRevoke", { name: key.Label || key.Prefix })) &&
                      api("DELETE", `/api-keys/${key.Id}`).then(load, fail),
                  },
                  t("revoke"),
                ),
          ]),
        ),
      );
    };
    main.append(
      h("h2", {}, t("createKey")),
      form(
        t("createKey"),
        field("key-label", t("label"), h("input", { id: "key-label", name: "label", maxlength: "100" })),
        t("createKey"),
        async (data) => {
          const created = (await api("POST", "/api-keys", data.get("label") ? { Label: data.get("label") } : {})).Result;
          fresh.textContent = "";
          fresh.append(
            h(
              "div",
              { class: "new-key" },
              h("h3", {}, t("newKey")),
              h("p", {}, t("newKeyOnce")),
              h("p", {}, h("code", { class: "mono", id: "new-key" }, created.Key), " ", copyButton(created.Key, t("newKey"))),
            ),
          );
          await load();
        },
      ),
      fresh,
      list,
    );
    await load();
  }

  // ---- shell -------------------------------------------------------------------------------

  function signOut() {
    state.key = "";
    sessionStorage.removeItem(KEY);
    render();
  }

  function signInPage(main) {
    main.append(
      h("h1", { tabindex: "-1" }, t("signInTitle")),
      h("p", {}, t("signInHelp")),
      form(
        t("signIn"),
        field(
          "api-key",
          t("apiKey"),
          h("input", { id: "api-key", name: "key", type: "password", required: true, autocomplete: "off", spellcheck: "false" }),
        ),
        t("signIn"),
        async (data) => {
          state.key = String(data.get("key")).trim();
          try {
            // Any key may read its suppression list: a cheap way to know the key works.
            await api("GET", "/suppressions?limit=1", undefined, { signIn: true });
          } catch (error) {
            state.key = "";
            throw error.status === 401 ? new Error(t("badKey")) : error;
          }
          sessionStorage.setItem(KEY, state.key);
          if (!location.hash || location.hash === "#/") location.hash = `#/${PAGES[0].id}`;
          else render();
        },
      ),
    );
  }

  function renderNav(current) {
    const nav = $("nav");
    nav.hidden = !state.key;
    nav.textContent = "";
    if (!state.key) return;
    nav.append(
      h(
        "ul",
        {},
        PAGES.map((page) => h("li", {}, h("a", { href: `#/${page.id}`, "aria-current": page.id === current ? "page" : null }, t(page.id)))),
        h("li", {}, h("a", { href: `${API}/docs` }, t("reference"))),
      ),
    );
  }

  let rendering = 0;
  async function render() {
    const run = ++rendering;
    document.documentElement.lang = state.lang;
    document.title = "Posthaste";
    $("lang").value = state.lang;
    $("signout").hidden = !state.key;
    $("signout").textContent = t("signOut");
    document.querySelector(".skip").textContent = t("skip");
    document.querySelector("label[for=lang]").textContent = t("language");
    const [id, ...rest] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
    const page = PAGES.find((p) => p.id === id) || PAGES[0];
    renderNav(state.key ? page.id : undefined);
    const main = $("main");
    main.textContent = "";
    if (!state.key) {
      signInPage(main);
    } else {
      document.title = `${t(page.id)} · Posthaste`;
      try {
        await page.render(main, rest);
      } catch (error) {
        if (run === rendering) fail(error);
      }
    }
    if (run === rendering) main.querySelector("h1")?.focus();
  }

  $("lang").addEventListener("change", (event) => {
    state.lang = event.target.value;
    sessionStorage.setItem(LANG, state.lang);
    render();
  });
  $("signout").addEventListener("click", signOut);
  window.addEventListener("hashchange", render);
  render();
})();

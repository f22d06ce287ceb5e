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

  const PAGES = [
    { id: "messages", render: messagesPage },
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

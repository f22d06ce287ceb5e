// The SMTP rules (docs/smtp.md) as pure decisions: recipients, headers, HTML, attachments, and the
// exact 554 texts they produce.
import { describe, expect, it } from "vitest";

import { DEFAULT_SMTP_OPTIONS, type SmtpOptions } from "../../shared/smtp/options.ts";
import { smtpReplyFor, SMTP_TEXTS } from "../../shared/smtp/replies.ts";
import { checkMailFrom, checkRcptTo, keptHeaders, planDelivery, type AccountFacts, type IncomingMail } from "../../shared/smtp/rules.ts";
import { AppError } from "../../shared/domain/errors.ts";
import { attachmentProblem, cleanFilename, extensionOf } from "../../shared/domain/file.ts";

const facts: AccountFacts = { verifiedDomains: new Set(["shop.example"]), allowSkipUnsubscribe: false };

function mail(overrides: Partial<IncomingMail> = {}): IncomingMail {
  return {
    from: [{ address: "news@shop.example", name: "Shop" }],
    to: [{ address: "ivan@mail.test", name: "Ivan" }],
    cc: [],
    bcc: [],
    subject: "Hello",
    text: "Hi",
    headerLines: [],
    attachments: [],
    ...overrides,
  };
}

const plan = (m: IncomingMail, rcpt: string[], options: Partial<SmtpOptions> = {}, f: AccountFacts = facts) =>
  planDelivery(m, rcpt, { ...DEFAULT_SMTP_OPTIONS, ...options }, f);

/** The reply a client reads for what `fn` throws. */
function replyOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    const reply = smtpReplyFor(error);
    return `${reply.responseCode} ${reply.message}`;
  }
  throw new Error("expected a refusal");
}

const lines = (...pairs: [string, string][]) => pairs.map(([name, value]) => ({ key: name.toLowerCase(), line: `${name}: ${value}` }));

describe("recipients in non-strict mode", () => {
  it("gives every RCPT TO address its own copy, named as in the headers", () => {
    const m = mail({
      to: [{ address: "ivan@mail.test", name: "Ivan" }],
      cc: [{ address: "anna@mail.test", name: "Anna" }],
      bcc: [{ address: "boss@shop.example" }],
    });

    const result = plan(m, ["ivan@mail.test", "anna@mail.test", "boss@shop.example"]);

    expect(result.recipients).toEqual([
      { address: "ivan@mail.test", name: "Ivan" },
      { address: "anna@mail.test", name: "Anna" },
      { address: "boss@shop.example", name: undefined },
    ]);
    expect(result.headers).toEqual({});
  });

  it("sends a repeated RCPT TO address one copy", () => {
    expect(plan(mail(), ["ivan@mail.test", "IVAN@mail.test"]).recipients).toHaveLength(1);
  });

  it("refuses an RCPT TO address that is neither in To/CC nor on the account's own domains", () => {
    expect(replyOf(() => plan(mail(), ["ivan@mail.test", "stranger@elsewhere.test"]))).toBe(
      "554 Transaction failed: Invalid recipient address: stranger@elsewhere.test",
    );
  });

  it("lets a hidden copy go to the account's own domain", () => {
    expect(plan(mail(), ["ivan@mail.test", "archive@shop.example"]).recipients.map((r) => r.address)).toEqual([
      "ivan@mail.test",
      "archive@shop.example",
    ]);
  });

  it("refuses a BCC header address off the account's verified domains", () => {
    const m = mail({ bcc: [{ address: "spy@elsewhere.test" }] });
    expect(replyOf(() => plan(m, ["ivan@mail.test"]))).toBe("554 Transaction failed: Invalid recipient address: spy@elsewhere.test");
  });

  it("refuses names in To and CC with < > @ , or control characters", () => {
    for (const name of ["Ivan <boss>", "a@b", "Petrov, Ivan", "Ivan\u0000", "Ivan\nBcc: x@y"]) {
      const m = mail({ cc: [{ address: "anna@mail.test", name }] });
      expect(replyOf(() => plan(m, ["anna@mail.test"]))).toBe("554 Transaction failed: Invalid recipient address: anna@mail.test");
    }
  });

  it("refuses a malformed address in To", () => {
    expect(replyOf(() => plan(mail({ to: [{ address: "not-an-address" }] }), []))).toBe(
      "554 Transaction failed: Invalid recipient address: not-an-address",
    );
  });

  it("allows 10 CC addresses and refuses 11", () => {
    const cc = (n: number) => Array.from({ length: n }, (_, i) => ({ address: `cc${i}@mail.test` }));
    expect(() => plan(mail({ cc: cc(10) }), ["ivan@mail.test"])).not.toThrow();
    expect(replyOf(() => plan(mail({ cc: cc(11) }), ["ivan@mail.test"]))).toBe(
      "554 Transaction failed: Too many CC addresses (at most 10)",
    );
  });

  it("counts hidden RCPT TO copies as BCC and refuses an 11th", () => {
    const hidden = Array.from({ length: 11 }, (_, i) => `copy${i}@shop.example`);
    expect(replyOf(() => plan(mail(), ["ivan@mail.test", ...hidden]))).toBe("554 Transaction failed: Too many BCC addresses (at most 10)");
  });
});

describe("senders", () => {
  it("refuses a message without From", () => {
    expect(replyOf(() => plan(mail({ from: [] }), ["ivan@mail.test"]))).toBe("554 Transaction failed: Message has no From header");
  });

  it("words a bad MAIL FROM as a disallowed source address", () => {
    expect(replyOf(() => checkMailFrom("not an address"))).toBe("554 Transaction failed: Disallowed source address: not an address");
    expect(replyOf(() => checkMailFrom(""))).toBe("554 Transaction failed: Disallowed source address: <>");
  });

  it("words a malformed RCPT TO as an invalid recipient address", () => {
    expect(replyOf(() => checkRcptTo("bad@"))).toBe("554 Transaction failed: Invalid recipient address: bad@");
  });
});

describe("strict mode", () => {
  it("keeps the client's To and Cc on every copy", () => {
    const m = mail({ toText: '"Ivan" <ivan@mail.test>', ccText: "anna@mail.test", cc: [{ address: "anna@mail.test" }] });
    const result = plan(m, ["ivan@mail.test", "anna@mail.test"], { strict: true });
    expect(result.headers).toEqual({ To: '"Ivan" <ivan@mail.test>', Cc: "anna@mail.test" });
    expect(result.recipients.map((r) => r.address)).toEqual(["ivan@mail.test", "anna@mail.test"]);
  });
});

describe("headers", () => {
  it("keeps X- headers, decoded, and removes the others and the options header", () => {
    const kept = keptHeaders(
      lines(
        ["X-Mailer", "Outlook"],
        ["X-Note", "=?UTF-8?B?0J/RgNC40LLQtdGC?="],
        ["Received", "from x"],
        ["X-Posthaste", "{}"],
        ["Message-ID", "<a@b>"],
        ["List-Unsubscribe", "<mailto:u@x>"],
      ),
      { skipUnsubscribe: false },
      50,
    );
    expect(kept).toEqual({ "X-Mailer": "Outlook", "X-Note": "Привет" });
  });

  it("keeps the List-* family only when the unsubscribe link is skipped", () => {
    const headerLines = lines(
      ["List-Unsubscribe", "<mailto:u@x>"],
      ["List-Unsubscribe-Post", "List-Unsubscribe=One-Click"],
      ["In-Reply-To", "<a@b>"],
      ["References", "<a@b>"],
    );
    expect(keptHeaders(headerLines, { skipUnsubscribe: false }, 50)).toEqual({});
    expect(Object.keys(keptHeaders(headerLines, { skipUnsubscribe: true }, 50))).toEqual([
      "List-Unsubscribe",
      "List-Unsubscribe-Post",
      "In-Reply-To",
      "References",
    ]);
  });

  it("keeps List-Unsubscribe-Post only with a List-Unsubscribe", () => {
    expect(keptHeaders(lines(["List-Unsubscribe-Post", "List-Unsubscribe=One-Click"]), { skipUnsubscribe: true }, 50)).toEqual({});
  });

  it("allows 50 X- headers and refuses 51", () => {
    const xs = (n: number) => lines(...Array.from({ length: n }, (_, i) => [`X-H${i}`, "v"] as [string, string]));
    expect(Object.keys(keptHeaders(xs(50), { skipUnsubscribe: false }, 50))).toHaveLength(50);
    expect(replyOf(() => keptHeaders(xs(51), { skipUnsubscribe: false }, 50))).toBe(
      "554 Transaction failed: Too many X- headers (at most 50)",
    );
  });

  it("refuses skip_unsubscribe for an account that may not skip", () => {
    expect(replyOf(() => plan(mail(), ["ivan@mail.test"], { skipUnsubscribe: true }))).toBe(
      "554 Transaction failed: skip_unsubscribe is not allowed for this account",
    );
    expect(() => plan(mail(), ["ivan@mail.test"], { skipUnsubscribe: true }, { ...facts, allowSkipUnsubscribe: true })).not.toThrow();
  });
});

describe("bodies and attachments", () => {
  it("refuses HTML that has <html> but no <body>", () => {
    expect(replyOf(() => plan(mail({ html: "<html><p>Hi</p></html>" }), ["ivan@mail.test"]))).toBe(
      "554 Transaction failed: HTML with an <html> tag must have a <body> tag",
    );
    expect(() => plan(mail({ html: "<HTML><BODY class='x'><p>Hi</p></BODY></HTML>" }), ["ivan@mail.test"])).not.toThrow();
    expect(() => plan(mail({ html: "<p>a fragment</p>" }), ["ivan@mail.test"])).not.toThrow();
  });

  it("refuses executable attachments by their last extension, in the reference's words", () => {
    const m = mail({ attachments: [{ filename: "invoice.pdf.EXE", size: 10 }] });
    expect(replyOf(() => plan(m, ["ivan@mail.test"]))).toBe("554 Transaction failed: Not allowed attachment type exe");
  });

  it("refuses an attachment over the limit", () => {
    const m = mail({ attachments: [{ filename: "big.pdf", size: 7 * 1024 * 1024 + 1 }] });
    expect(replyOf(() => plan(m, ["ivan@mail.test"]))).toBe("554 Transaction failed: Attachment exceeds fixed size limit: big.pdf");
  });

  it("takes 50 attachments and refuses a 51st, as the HTTP door does", () => {
    const files = (n: number) => Array.from({ length: n }, (_, i) => ({ filename: `page${i}.pdf`, size: 10 }));
    expect(() => plan(mail({ attachments: files(50) }), ["ivan@mail.test"])).not.toThrow();
    expect(replyOf(() => plan(mail({ attachments: files(51) }), ["ivan@mail.test"]))).toBe(
      "554 Transaction failed: Too many attachments (at most 50)",
    );
  });

  it("takes a Subject of 998 characters and refuses a longer one, as the HTTP door does", () => {
    expect(() => plan(mail({ subject: "ы".repeat(998) }), ["ivan@mail.test"])).not.toThrow();
    expect(replyOf(() => plan(mail({ subject: "ы".repeat(999) }), ["ivan@mail.test"]))).toBe(
      "554 Transaction failed: Subject is too long (at most 998 characters)",
    );
  });

  it("refuses a Velocity template that does not parse, saying where", () => {
    expect(replyOf(() => plan(mail({ text: "Hi\n#if($a" }), ["ivan@mail.test"], { templateEngine: "velocity" }))).toBe(
      "554 Transaction failed: Invalid template in the text body at line 2, column 6: syntax error: the template ends inside a directive (a missing ) or #end?)",
    );
  });

  it("refuses a Velocity template that calls methods, naming the part, the place and the reason", () => {
    const exploit =
      '<html><body>\n  #set($f = $to_email.__lookupGetter__("__proto__"))$f.call($f).constructor("return process").call()</body></html>';
    expect(replyOf(() => plan(mail({ html: exploit }), ["ivan@mail.test"], { templateEngine: "velocity" }))).toBe(
      '554 Transaction failed: Invalid template in the HTML body at line 2, column 3: $to_email.__lookupGetter__("__proto__") calls a method; templates may only read values',
    );
    expect(
      replyOf(() =>
        plan(mail({ subject: "Hi $!{x.constructor}" }), ["ivan@mail.test"], { templateEngine: "velocity", substitutions: { x: "a" } }),
      ),
    ).toBe('554 Transaction failed: Invalid template in the subject at line 1, column 4: "constructor" is not a name templates may use');
  });

  it("refuses at accept a template that would hit a limit when rendered with the message's values", () => {
    const loop = {
      templateEngine: "velocity" as const,
      substitutions: { items: JSON.stringify(Array.from({ length: 101 }, (_, i) => i)) },
      structuredFields: ["items"],
    };
    expect(replyOf(() => plan(mail({ text: "#foreach($a in $items)#foreach($b in $items)#end#end" }), ["ivan@mail.test"], loop))).toBe(
      "554 Transaction failed: Invalid template in the text body at line 1, column 23: #foreach loops ran more than 10,000 times in all",
    );
    const repeated = { templateEngine: "simple" as const, substitutions: { x: "a".repeat(1_000_000) } };
    expect(replyOf(() => plan(mail({ text: "{{x}}".repeat(11) }), ["ivan@mail.test"], repeated))).toBe(
      "554 Transaction failed: Invalid template in the text body: substitution would add more than 10,000,000 characters",
    );
  });

  it("checks each To name as a template with its own copy's values", () => {
    const m = mail({ to: [{ address: "ivan@mail.test", name: "Ivan $!{to_email.length()}" }] });
    expect(replyOf(() => plan(m, ["ivan@mail.test"], { templateEngine: "velocity" }))).toBe(
      "554 Transaction failed: Invalid template in the To name at line 1, column 6: $!{to_email.length()} calls a method; templates may only read values",
    );
  });
});

describe("attachment policy", () => {
  it("takes the last extension, ignoring trailing dots and spaces", () => {
    expect(extensionOf("a.tar.gz")).toBe("gz");
    expect(extensionOf("run.exe. ")).toBe("exe");
    expect(extensionOf("README")).toBe("");
  });

  it("refuses program types sent without a telling name", () => {
    expect(attachmentProblem({ filename: "file", size: 1, contentType: "application/x-msdownload" })).toEqual({
      key: "attachment_type_not_allowed",
      extension: "exe",
    });
    expect(attachmentProblem({ filename: "report.pdf", size: 1, contentType: "application/pdf" })).toBeUndefined();
  });

  it("cleans file names of directories and control characters", () => {
    expect(cleanFilename("../../etc/pass\u0000wd")).toBe("passwd");
    expect(cleanFilename(undefined)).toBe("attachment");
  });
});

describe("replies", () => {
  it("maps errors to the reference's texts and hides unexpected ones", () => {
    expect(smtpReplyFor(new AppError("unauthorized"))).toEqual({
      responseCode: 554,
      message: `Transaction failed: ${SMTP_TEXTS.mustAuthenticate}`,
    });
    expect(smtpReplyFor(new AppError("payload_too_large"))).toEqual({
      responseCode: 554,
      message: "Transaction failed: Message exceeds fixed size limit",
    });
    expect(smtpReplyFor(new Error("secret detail"))).toEqual({ responseCode: 554, message: "Transaction failed: Internal server error" });
  });
});

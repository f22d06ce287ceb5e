// Hostile SMTP sessions against the door of the local platform (`npm start` in a child process):
// garbage and over-long command lines, NUL bytes, commands out of order, AUTH with broken base64,
// pipelined junk, MAIL FROM with bad parameters, DATA with broken MIME, hang-ups mid-DATA and
// mid-TLS. A bounded number of sessions, each drawn from a seeded pseudo-random generator, so a
// failure replays exactly: FUZZ_SEED=<seed> [FUZZ_SESSIONS=<n>] npx vitest run test/e2e/fuzz-smtp.test.ts
//
// What must hold: no process exits, every refused command is answered 4xx/5xx with a text (never
// silence, never an internal error), nothing is logged at error level, and a normal message
// still goes through afterwards.
import net from "node:net";
import tls from "node:tls";
import { readFile } from "node:fs/promises";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, mailbox, startPlatformProcess, type RunningPlatform } from "../support/platform.ts";
import { RawSession } from "../support/raw-smtp.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);
const SESSIONS = Number(process.env.FUZZ_SESSIONS ?? 150);

let platform: RunningPlatform;
let ca: string;

beforeAll(async () => {
  platform = await startPlatformProcess({
    env: {
      // Wrong keys are part of the load: answer them quickly, and do not lock the test's own
      // address out (the per-address window is tested in test/integration/smtp-server.test.ts).
      SMTP_AUTH_FAILURE_DELAY_MS: "5",
      SMTP_AUTH_FAILURES_PER_ADDRESS: "1000000",
    },
  });
  ca = await readFile(platform.info.smtpCertFile, "utf8");
});

afterAll(async () => platform?.stop());

// ---- a seeded generator (mulberry32) ----

class Rng {
  constructor(private state: number) {}

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Some of `items`, in a random order. */
  some<T>(items: readonly T[], min = 1): T[] {
    const shuffled = [...items];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    return shuffled.slice(0, this.int(Math.min(min, shuffled.length), shuffled.length));
  }

  /** Bytes of a line: anything but CR and LF, NUL and 8-bit included. */
  junk(length: number): Buffer {
    const bytes = Buffer.alloc(length);
    for (let i = 0; i < length; i++) {
      let byte = this.int(0, 255);
      while (byte === 0x0a || byte === 0x0d) byte = this.int(0, 255);
      bytes[i] = byte;
    }
    return bytes;
  }

  /** Printable ASCII without spaces. */
  word(length: number): string {
    return Array.from({ length }, () => String.fromCharCode(this.int(0x21, 0x7e))).join("");
  }
}

// ---- one session and what its replies must look like ----

type Expect = "refused" | "any";

class FuzzSession {
  readonly transcript: string[] = [];
  /** Set once the server answered 421 or hung up: nothing more is sent. */
  over = false;

  constructor(
    readonly raw: RawSession,
    readonly label: string,
  ) {
    this.check(raw.greeting, "any", "(greeting)");
  }

  /** Sends one command line (a CRLF is added) and checks its reply. */
  async send(line: string | Buffer, expect: Expect = "refused"): Promise<string> {
    if (this.over) return "";
    this.raw.write(typeof line === "string" ? `${line}\r\n` : Buffer.concat([line, Buffer.from("\r\n")]));
    return this.check(await this.raw.reply(), expect, line);
  }

  /** Sends raw bytes (a pipelined batch, a message body) and checks the `count` replies they must get. */
  async sendRaw(bytes: string | Buffer, expects: Expect[]): Promise<string[]> {
    if (this.over) return [];
    this.raw.write(bytes);
    const replies: string[] = [];
    for (const [i, expect] of expects.entries()) {
      if (this.over) break;
      replies.push(this.check(await this.raw.reply(), expect, `(reply ${i + 1} of ${expects.length} to ${String(bytes).length} bytes)`));
    }
    return replies;
  }

  check(reply: string, expect: Expect, sent: string | Buffer): string {
    const shown = (typeof sent === "string" ? sent : sent.toString("latin1")).slice(0, 120);
    this.transcript.push(`C: ${JSON.stringify(shown)}`, `S: ${reply || "(hung up)"}`);
    const where = `${this.label}\n${this.transcript.slice(-12).join("\n")}`;
    expect_(reply, "the server hung up without a reply", where).not.toBe("");
    const lines = reply.split("\r\n");
    for (const line of lines) expect_(line, "every reply line is <code><space or dash><text>", where).toMatch(/^[2-5]\d\d([ -]|$)/); // a bare "334 " challenge is trimmed
    const code = Number(reply.slice(0, 3));
    if (expect === "refused") expect_(code, "a refused command gets a 4xx or 5xx", where).toBeGreaterThanOrEqual(400);
    if (code >= 400) {
      const text = lines.at(-1)!.slice(4);
      expect_(text, "a refusal says why", where).toMatch(/[A-Za-z]{3,}/);
      expect_(text, "a refusal is never an internal error", where).not.toMatch(/internal server error/i);
    }
    if (code === 421) this.over = true;
    return reply;
  }
}

const expect_ = (value: unknown, what: string, where: string) => expect(value, `${what}\n${where}`);

interface Door {
  starttlsPort: number;
  tlsPort: number;
  accountId: string;
  apiKey: string;
  sender: string;
}

async function openPlain(door: Door, label: string) {
  return new FuzzSession(await RawSession.open(door.starttlsPort), label);
}

async function openTls(door: Door, label: string, rng: Rng) {
  if (rng.chance(0.5)) return new FuzzSession(await RawSession.open(door.tlsPort, { implicitTls: true, ca }), label);
  const raw = await RawSession.open(door.starttlsPort);
  const session = new FuzzSession(raw, label);
  await session.send("EHLO fuzz.test", "any");
  await raw.startTls(ca);
  return session;
}

async function loggedIn(door: Door, label: string, rng: Rng) {
  const session = await openTls(door, label, rng);
  await session.send("EHLO fuzz.test", "any");
  const answer = await session.send(`AUTH PLAIN ${Buffer.from(`\0${door.accountId}\0${door.apiKey}`).toString("base64")}`, "any");
  expect(answer, session.transcript.join("\n")).toMatch(/^235/);
  return session;
}

const KNOWN_COMMAND = /^(HELO|EHLO|LHLO|MAIL|RCPT|DATA|RSET|NOOP|QUIT|VRFY|HELP|AUTH|STARTTLS|XCLIENT|XFORWARD|WIZ|SHELL|KILL)\b/i;

/** A line that is no command: random bytes (NUL and 8-bit included) or a plausible-looking word. */
function garbageLine(rng: Rng): Buffer {
  for (;;) {
    const line = rng.chance(0.5) ? rng.junk(rng.int(1, 200)) : Buffer.from(`${rng.word(rng.int(1, 12))} ${rng.word(rng.int(0, 40))}`);
    if (!KNOWN_COMMAND.test(line.toString("latin1")) && line.toString("latin1").trim()) return line;
  }
}

// ---- the scenarios ----

type Scenario = (door: Door, rng: Rng, label: string) => Promise<void>;

const garbageCommands: Scenario = async (door, rng, label) => {
  const session = rng.chance(0.5) ? await openPlain(door, label) : await openTls(door, label, rng);
  if (rng.chance(0.5)) await session.send("EHLO fuzz.test", "any");
  for (let i = rng.int(1, 12); i > 0; i--) await session.send(garbageLine(rng));
  session.raw.destroy();
};

const overlongLines: Scenario = async (door, rng, label) => {
  const session = rng.chance(0.5) ? await openPlain(door, label) : await openTls(door, label, rng);
  const verb = rng.pick(["EHLO ", "MAIL FROM:<", "RCPT TO:<", "AUTH PLAIN ", "NOOP ", ""]);
  const length = rng.int(17 * 1024, 300 * 1024);
  // Over the 16 KB a command line may hold: refused (and the connection closed) whether or not the line ever ends.
  if (rng.chance(0.7)) await session.send(verb + "a".repeat(length));
  else await session.sendRaw(verb + "a".repeat(length), ["refused"]);
  session.raw.destroy();
};

const nulBytes: Scenario = async (door, rng, label) => {
  const session = rng.chance(0.3) ? await openPlain(door, label) : await loggedIn(door, label, rng);
  const lines = [
    "EHLO fuzz\0.test",
    "\0",
    "\0\0\0\0",
    "NOOP\0",
    `MAIL FROM:<a\0b@${door.sender.split("@")[1]}>`,
    "RCPT TO:<\0@example.org>",
    `MAIL\0FROM:<${door.sender}>`,
    "\0EHLO fuzz.test",
  ];
  for (const line of rng.some(lines)) await session.send(line);
  session.raw.destroy();
};

const outOfOrder: Scenario = async (door, rng, label) => {
  const session = await openTls(door, label, rng);
  // Before any EHLO, everything that needs one is refused.
  for (const line of rng.some(
    [`MAIL FROM:<${door.sender}>`, "RCPT TO:<a@example.org>", "DATA", "AUTH PLAIN AGFiYwBkZWY=", "BDAT 10 LAST"],
    0,
  ))
    await session.send(line);
  await session.send("EHLO fuzz.test", "any");
  const login = rng.chance(0.6);
  if (login) await session.send(`AUTH PLAIN ${Buffer.from(`\0${door.accountId}\0${door.apiKey}`).toString("base64")}`, "any");
  // Without a MAIL FROM, RCPT TO and DATA are refused.
  for (const line of rng.some(["RCPT TO:<a@example.org>", "DATA", "STARTTLS", "BDAT 10 LAST", "."], 0)) await session.send(line);
  if (login) {
    await session.send(`MAIL FROM:<${door.sender}>`, "any");
    for (const line of rng.some([`MAIL FROM:<${door.sender}>`, "DATA", "AUTH PLAIN AGFiYwBkZWY=", "STARTTLS"], 0)) await session.send(line);
  } else {
    await session.send(`MAIL FROM:<${door.sender}>`);
  }
  session.raw.destroy();
};

const brokenAuth: Scenario = async (door, rng, label) => {
  if (rng.chance(0.2)) {
    // AUTH before STARTTLS: refused, however well-formed.
    const plain = await openPlain(door, label);
    await plain.send("EHLO fuzz.test", "any");
    await plain.send(`AUTH PLAIN ${Buffer.from(`\0${door.accountId}\0${door.apiKey}`).toString("base64")}`);
    plain.raw.destroy();
    return;
  }
  const session = await openTls(door, label, rng);
  await session.send("EHLO fuzz.test", "any");
  const base64ish = () =>
    rng.pick([rng.word(rng.int(1, 80)), "!!!!", "====", "AGFiYw", "%%%%%%%", Buffer.from(rng.junk(rng.int(1, 60))).toString("base64"), ""]);
  const attempts: (() => Promise<void>)[] = [
    async () => void (await session.send(`AUTH PLAIN ${base64ish() || "="}`)),
    async () => {
      if ((await session.send("AUTH PLAIN", "any")).startsWith("334")) await session.send(base64ish() || "@@");
    },
    async () => {
      if (
        (await session.send("AUTH LOGIN", "any")).startsWith("334") &&
        (await session.send(Buffer.from(rng.word(8)).toString("base64"), "any")).startsWith("334")
      ) {
        await session.send(base64ish() || "@@");
      }
    },
    async () => void (await session.send(`AUTH LOGIN ${base64ish() || "=="} extra`)),
    async () =>
      void (await session.send(
        rng.pick(["AUTH", "AUTH CRAM-MD5", "AUTH XOAUTH2 dG9rZW4=", "AUTH GSSAPI", "AUTH PLAIN a b c", `AUTH ${rng.word(20)}`]),
      )),
    async () => void (await session.send(`AUTH PLAIN ${Buffer.from(`\0${door.accountId}\0ph_${rng.word(20)}`).toString("base64")}`)),
    async () => void (await session.send(`AUTH PLAIN ${Buffer.from(`${rng.word(5)}\0\0`).toString("base64")}`)),
  ];
  for (let i = rng.int(1, 6); i > 0 && !session.over; i--) await rng.pick(attempts)();
  session.raw.destroy();
};

const pipelinedJunk: Scenario = async (door, rng, label) => {
  const session = rng.chance(0.5) ? await openTls(door, label, rng) : await loggedIn(door, label, rng);
  await session.send("EHLO fuzz.test", "any");
  const lines: { line: Buffer; expect: Expect }[] = [];
  for (let i = rng.int(2, 30); i > 0; i--) {
    const pick = rng.int(0, 5);
    if (pick <= 2) lines.push({ line: garbageLine(rng), expect: "refused" });
    else
      lines.push({
        line: Buffer.from(rng.pick(["NOOP", "RSET", "RCPT TO:<x@example.org>", `MAIL FROM:<${door.sender}>`, "VRFY root", "HELP"])),
        expect: "any",
      });
  }
  await session.sendRaw(
    Buffer.concat(lines.flatMap(({ line }) => [line, Buffer.from("\r\n")])),
    lines.map((l) => l.expect),
  );
  session.raw.destroy();
};

const badMailParams: Scenario = async (door, rng, label) => {
  const session = await loggedIn(door, label, rng);
  const domain = door.sender.split("@")[1];
  const refused = [
    `MAIL FROM:<${door.sender}> SIZE=abc`,
    `MAIL FROM:<${door.sender}> SIZE=-1`,
    `MAIL FROM:<${door.sender}> SIZE=999999999999999999999`,
    `MAIL FROM:<${door.sender}> SIZE=99999999999`,
    `MAIL FROM:<${door.sender}> SIZE=1 SIZE=2`,
    `MAIL FROM:<${door.sender}> SIZE=`,
    `MAIL FROM:<${door.sender}> BODY=9BIT`,
    `MAIL FROM:<${door.sender}> SMTPUTF8=yes`,
    `MAIL FROM:<${door.sender}> REQUIRETLS=please`,
    `MAIL FROM:<>`,
    `MAIL FROM:<${door.sender}`,
    `MAIL FROM:${"<".repeat(rng.int(2, 50))}${door.sender}>`,
    `MAIL FROM:<${"a".repeat(rng.int(300, 2000))}@${domain}>`,
    `MAIL FROM:<someone@not-verified-${rng.word(4).replace(/[^a-z]/gi, "x")}.test>`,
    `MAIL FROM:<${rng.word(10)}>`,
    `MAIL TO:<${door.sender}>`,
    `MAIL FROM <${door.sender}>`,
    `MAIL FROM:<${door.sender}> ${rng.word(10)}=${rng.junk(10).toString("latin1").replace(/[\s]/g, "")}`,
  ];
  for (const line of rng.some(refused)) {
    const answer = await session.send(line, "any");
    if (answer.startsWith("250")) await session.send("RSET", "any"); // an unknown parameter may be let through
  }
  session.raw.destroy();
};

/** The header block and body of a message that is wrong in one or more ways. */
function brokenMessage(rng: Rng, sender: string, to: string): { data: Buffer; optionsBroken: boolean } {
  const headers: (string | Buffer)[] = [
    `From: ${rng.chance(0.3) ? `=?UTF-8?B?${rng.word(8)}?= ` : ""}<${sender}>`,
    `To: ${rng.chance(0.3) ? "=?x-unknown?Q?=ZZ=?= " : ""}<${to}>`,
  ];
  const brokenWord = () =>
    rng.pick([
      "=?UTF-8?B?####?=",
      "=?x-nothing?Q?=ZZ=?=",
      "=?UTF-8?Q?unterminated",
      "=?utf-8*en?B?0JjQstCw0L0=?=",
      "=??B??=",
      "=?UTF-8?X?abc?=",
      "Иван",
      "=?UTF-8?B?0J?= =?UTF-16?B?AAA?=",
    ]);
  headers.push(`Subject: ${brokenWord()} ${brokenWord()}`);
  let optionsBroken = false;
  let body: string | Buffer = "Hello\r\n";
  const flaws = rng.some([
    "words",
    "boundaries",
    "hugeHeader",
    "manyHeaders",
    "options",
    "encoding",
    "nul",
    "structure",
    "attachment",
    "charset",
  ]);
  for (const flaw of flaws) {
    switch (flaw) {
      case "words":
        headers.push(`X-Fuzz: ${brokenWord()}`, `Reply-To: ${brokenWord()} <${rng.word(6)}>`);
        break;
      case "boundaries": {
        const declared = rng.pick(['""', "b1", `"${"x".repeat(rng.int(70, 500))}"`, "a b c", "--", ""]);
        headers.push(
          "MIME-Version: 1.0",
          `Content-Type: multipart/${rng.pick(["mixed", "alternative", "related", "nonsense"])}; boundary=${declared}`,
        );
        body = rng.pick([
          "--other\r\nContent-Type: text/plain\r\n\r\nlost\r\n--other--\r\n",
          "--b1\r\nContent-Type: text/plain\r\n\r\nnever closed\r\n",
          "--b1\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\n--b1--\r\n--b1--\r\n",
          "no parts at all\r\n",
          "--b1--\r\n--b1\r\n\r\nafter the end\r\n",
        ]);
        break;
      }
      case "hugeHeader": {
        const size = rng.int(50_000, 600_000);
        headers.push(
          rng.chance(0.5)
            ? `X-Huge: ${"h".repeat(size)}`
            : `Subject: ${Array.from({ length: size / 60 }, () => "w".repeat(58)).join("\r\n ")}`,
        );
        break;
      }
      case "manyHeaders":
        for (let i = rng.int(20, 3000); i > 0; i--)
          headers.push(`${rng.pick(["X-Many", "Received", "Comments", `X-${rng.int(1, 99)}`])}: ${rng.word(10)}`);
        break;
      case "options":
        optionsBroken = true;
        headers.push(
          `${rng.pick(["X-Posthaste", "X-UNISENDER-GO"])}: ${rng.pick([
            "{",
            "[1,2]",
            "null",
            '"text"',
            '{"global_substitutions": 5}',
            '{"tags": ["a","a"]}',
            '{"global_language": 123}',
            '{"template_id": {}}',
            '{"track_read": "maybe"}',
            "=?UTF-8?B?!!!?=",
            "{".repeat(rng.int(1000, 20_000)),
            "[".repeat(5000) + "]".repeat(5000),
            `{"global_metadata":${'{"a":'.repeat(5000)}1${"}".repeat(5001)}`,
            "\u0000{}",
          ])}`,
        );
        break;
      case "encoding":
        headers.push(`Content-Transfer-Encoding: ${rng.pick(["base64", "quoted-printable", "x-unknown", "7bit; junk"])}`);
        body = rng.pick(["!!!not base64!!!\r\n", "=ZZ=\r\n=\r\n=3", `${rng.junk(rng.int(10, 2000)).toString("latin1")}\r\n`]);
        break;
      case "nul":
        headers.push(`X-Nul: a\0b`);
        body = `a\0b\0c\r\n`;
        break;
      case "structure":
        headers.push(rng.pick(["No colon here", ": empty name", " leading continuation", "X-Bare-LF: a\nb", "X-Bare-CR: a\rb"]));
        break;
      case "attachment":
        headers.push("MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=att");
        body =
          "--att\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--att\r\n" +
          `Content-Disposition: attachment; ${rng.pick(['filename="../../etc/passwd"', "filename*=utf-8''%ZZ%", 'filename="a\0b.txt"', 'filename="=?UTF-8?B?####?="', "filename="])}\r\n` +
          `Content-Transfer-Encoding: base64\r\n\r\n${rng.pick(["!!!", "QUJD", "="])}\r\n--att--\r\n`;
        break;
      case "charset":
        headers.push(`Content-Type: text/plain; charset=${rng.pick(["x-unknown-charset", "utf-7", '"', "utf-8; format=flowed; delsp"])}`);
        body = `${rng.junk(rng.int(10, 500)).toString("latin1")}\r\n`;
        break;
    }
  }
  const separator = flaws.includes("structure") && rng.chance(0.3) ? "" : "\r\n";
  const text = Buffer.concat([
    ...headers.map((h) => Buffer.from(`${h}\r\n`, "latin1")),
    Buffer.from(separator),
    Buffer.from(body as string, "latin1"),
  ]);
  // Dot-stuffing, then the final dot.
  const stuffed = Buffer.from(text.toString("latin1").replace(/(^|\r\n)\./g, "$1.."), "latin1");
  return {
    data: Buffer.concat([stuffed, Buffer.from(stuffed.toString("latin1").endsWith("\r\n") ? ".\r\n" : "\r\n.\r\n")]),
    optionsBroken,
  };
}

const brokenMime: Scenario = async (door, rng, label) => {
  const session = await loggedIn(door, label, rng);
  const to = `fuzz-${rng.int(1, 1_000_000)}@example.org`;
  await session.send(`MAIL FROM:<${door.sender}>`, "any");
  await session.send(`RCPT TO:<${to}>`, "any");
  if (!(await session.send("DATA", "any")).startsWith("354")) return session.raw.destroy();
  const { data, optionsBroken } = brokenMessage(rng, door.sender, to);
  const [answer] = await session.sendRaw(data, ["any"]);
  if (optionsBroken && answer)
    expect(answer, `${label}\n${session.transcript.join("\n")}`).toMatch(
      /^554 Transaction failed: (Invalid X-(Posthaste|UNISENDER-GO) header|template_id is not supported|Too many)/,
    );
  if (rng.chance(0.5)) await session.send("QUIT", "any");
  session.raw.destroy();
};

const hangUpMidData: Scenario = async (door, rng, label) => {
  const session = await loggedIn(door, label, rng);
  const to = `gone-${rng.int(1, 1_000_000)}@example.org`;
  await session.send(`MAIL FROM:<${door.sender}>`, "any");
  await session.send(`RCPT TO:<${to}>`, "any");
  await session.send("DATA", "any");
  session.raw.write(`From: <${door.sender}>\r\nTo: <${to}>\r\nSubject: cut\r\n\r\n${"x".repeat(rng.int(0, 200_000))}`);
  await new Promise((resolve) => setTimeout(resolve, rng.int(0, 50)));
  session.raw.destroy();
};

const hangUpElsewhere: Scenario = async (door, rng, label) => {
  switch (rng.int(0, 4)) {
    case 0: {
      // Plain text (or nothing) to the implicit TLS port.
      const socket = net.connect({ port: door.tlsPort, host: "127.0.0.1" });
      await new Promise((resolve) => socket.once("connect", resolve));
      if (rng.chance(0.7)) socket.write(rng.chance(0.5) ? "EHLO fuzz.test\r\n" : rng.junk(rng.int(1, 3000)));
      await new Promise((resolve) => setTimeout(resolve, rng.int(0, 50)));
      socket.destroy();
      return;
    }
    case 1: {
      // STARTTLS, then garbage instead of a TLS handshake.
      const session = await openPlain(door, label);
      await session.send("EHLO fuzz.test", "any");
      await session.send("STARTTLS", "any");
      session.raw.write(rng.junk(rng.int(1, 3000)));
      await new Promise((resolve) => setTimeout(resolve, rng.int(0, 50)));
      session.raw.destroy();
      return;
    }
    case 2: {
      // A TLS 1.2 client offering only suites the door does not take.
      const socket = tls.connect({
        port: door.tlsPort,
        host: "127.0.0.1",
        ca,
        servername: "localhost",
        maxVersion: "TLSv1.2",
        ciphers: rng.pick(["AES128-SHA", "ECDHE-ECDSA-AES128-SHA", "AES256-GCM-SHA384"]),
      });
      await new Promise((resolve) => socket.once("error", resolve).once("secureConnect", resolve));
      socket.destroy();
      return;
    }
    case 3: {
      // Half a command line, then gone.
      const session = await openTls(door, label, rng);
      session.raw.write(`EHLO fuzz${rng.word(rng.int(0, 100))}`);
      await new Promise((resolve) => setTimeout(resolve, rng.int(0, 30)));
      session.raw.destroy();
      return;
    }
    default: {
      // In the middle of an AUTH LOGIN exchange.
      const session = await openTls(door, label, rng);
      await session.send("EHLO fuzz.test", "any");
      await session.send("AUTH LOGIN", "any");
      session.raw.destroy();
    }
  }
};

const SCENARIOS: Record<string, Scenario> = {
  garbageCommands,
  overlongLines,
  nulBytes,
  outOfOrder,
  brokenAuth,
  pipelinedJunk,
  badMailParams,
  brokenMime,
  hangUpMidData,
  hangUpElsewhere,
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe(`SMTP fuzz (seed ${SEED}, ${SESSIONS} sessions)`, () => {
  it("answers every hostile session with clear refusals, stays up and still takes a normal message", { timeout: 300_000 }, async () => {
    const { info } = platform;
    const door: Door = {
      starttlsPort: info.smtpStarttlsPort,
      tlsPort: info.smtpTlsPort,
      accountId: info.accountId,
      apiKey: info.apiKey,
      sender: `fuzz@${info.senderDomain}`,
    };
    const names = Object.keys(SCENARIOS);
    const ran: Record<string, number> = {};
    for (let i = 0; i < SESSIONS; i++) {
      const rng = new Rng(SEED * 1_000 + i); // each session replays alone from its own seed
      const name = i < names.length ? names[i] : rng.pick(names); // every scenario at least once
      ran[name] = (ran[name] ?? 0) + 1;
      await SCENARIOS[name](door, rng, `session ${i} (${name}, seed ${SEED})`);
      expect(platform.process.exitCode, `the platform exited after session ${i} (${name})\n${platform.output().slice(-3000)}`).toBeNull();
    }

    expect(platform.process.exitCode).toBeNull();
    expect(platform.process.signalCode).toBeNull();
    expect(alive(info.pid) && alive(info.standInsPid)).toBe(true);
    expect(Object.keys(ran).sort()).toEqual([...names].sort());

    // A normal message still goes through and arrives.
    const transport = nodemailer.createTransport({
      host: "127.0.0.1",
      port: info.smtpStarttlsPort,
      requireTLS: true,
      tls: { ca, servername: "localhost" },
      auth: { user: info.accountId, pass: info.apiKey },
    });
    const sent = await transport.sendMail({
      from: door.sender,
      to: "after-fuzz@example.org",
      subject: "After the fuzz",
      text: "Still here",
    });
    expect(sent.response).toMatch(/^250 Ok: queued as \S+$/);
    await eventually(
      async () => (await mailbox(info).list("?to=after-fuzz%40example.org")).find((m) => m.subject === "After the fuzz"),
      20_000,
      "the message after the fuzz",
    );

    // Hostile input is the clients' doing: nothing of it is logged as an error of ours.
    const errors = platform
      .output()
      .split("\n")
      .filter((line) => line.includes('"level":"ERROR"'));
    expect(errors).toEqual([]);
  });
});

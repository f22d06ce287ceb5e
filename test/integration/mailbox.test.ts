// The local mailbox keeps what it received across restarts, whatever their number, and its HTTP
// listing survives whatever a client sends.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { readdir } from "node:fs/promises";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMailbox, type Mailbox, type MailboxEntry } from "../../local/mailbox.ts";
import { newId } from "../../shared/domain/ids.ts";
import { rawRequest } from "../support/raw-http.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Messages stored as the mailbox stores them: the .eml, then its .json entry. */
async function storeMessages(dir: string, count: number) {
  // One millisecond apart, as messages stored one after another are: ids sort by their millisecond.
  const start = Date.now() - count;
  for (let i = 0; i < count; i++) {
    const id = (start + i).toString(36).padStart(9, "0") + newId().slice(9);
    const raw = `From: a@example.com\r\nTo: b@example.org\r\nSubject: message ${i}\r\n\r\nHello ${i}\r\n`;
    const entry: MailboxEntry = {
      id,
      receivedAt: new Date().toISOString(),
      envelope: { from: "a@example.com", to: ["b@example.org"] },
      subject: `message ${i}`,
      size: raw.length,
    };
    await writeFile(path.join(dir, `${id}.eml`), raw);
    await writeFile(path.join(dir, `${id}.json`), JSON.stringify(entry));
  }
}

/** Starts the mailbox over `dir` in a process whose open-file limit is `fileLimit`, and reads back its listing. */
function listInProcessWithFileLimit(dir: string, fileLimit: number): Promise<{ code: number | null; output: string }> {
  const script = [
    `import { startMailbox } from "./local/mailbox.ts";`,
    `const mailbox = await startMailbox({ dir: process.env.MAILBOX_DIR });`,
    `const listed = await (await fetch(mailbox.url + "/messages")).json();`,
    `console.log(JSON.stringify({ listed: listed.length }));`,
    `await mailbox.close();`,
  ].join("\n");
  const child = spawn("bash", ["-c", `ulimit -n ${fileLimit} && exec "$NODE" --import tsx --input-type=module -e "$SCRIPT"`], {
    cwd: ROOT,
    env: { ...process.env, NODE: process.execPath, SCRIPT: script, MAILBOX_DIR: dir },
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, output })));
}

describe("the local mailbox", () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "posthaste-mailbox-"));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("starts over more stored messages than the process may open files, and lists them all", async () => {
    const dir = await tempDir();
    await storeMessages(dir, 1000);

    const { code, output } = await listInProcessWithFileLimit(dir, 256);

    expect(output).toContain(JSON.stringify({ listed: 1000 }));
    expect(code).toBe(0);
  });

  it("starts when a crash cut an entry short, and lists the others", async () => {
    const dir = await tempDir();
    await storeMessages(dir, 3);
    await writeFile(path.join(dir, `${newId()}.json`), '{"id":"0mx4');

    const mailbox = await startMailbox({ dir });
    try {
      expect(await (await fetch(`${mailbox.url}/messages`)).json()).toHaveLength(3);
    } finally {
      await mailbox.close();
    }
  });

  describe("bounded memory: the listing holds the newest messages only, the disk keeps them all", () => {
    const send = async (mailbox: Mailbox, count: number) => {
      const transport = nodemailer.createTransport({ host: "127.0.0.1", port: mailbox.smtpPort, secure: false, ignoreTLS: true });
      try {
        for (let i = 0; i < count; i++) {
          await transport.sendMail({ from: "a@example.com", to: "b@example.org", subject: `message ${i}`, text: `Hello ${i}` });
        }
      } finally {
        transport.close();
      }
    };
    const listing = async (mailbox: Mailbox) => {
      const response = await fetch(`${mailbox.url}/messages`);
      return { entries: (await response.json()) as MailboxEntry[], stored: response.headers.get("x-mailbox-stored") };
    };

    it("lists at most maxListed messages, the newest, says how many it stores, and still serves the older ones by id", async () => {
      const dir = await tempDir();
      const mailbox = await startMailbox({ dir, maxListed: 3 });
      try {
        await send(mailbox, 5);
        const { entries, stored } = await listing(mailbox);

        expect(entries.map((e) => e.subject)).toEqual(["message 2", "message 3", "message 4"]);
        expect(mailbox.list()).toHaveLength(3);
        expect(stored).toBe("5");
        const files = (await readdir(dir)).filter((f) => f.endsWith(".eml")).sort();
        expect(files).toHaveLength(5);
        const oldest = await fetch(`${mailbox.url}/messages/${files[0].replace(/\.eml$/, "")}`);
        expect(await oldest.text()).toContain("Subject: message 0");
      } finally {
        await mailbox.close();
      }
    });

    it("starts over more stored messages than maxListed and lists the newest", async () => {
      const dir = await tempDir();
      await storeMessages(dir, 6);

      const mailbox = await startMailbox({ dir, maxListed: 4 });
      try {
        const { entries, stored } = await listing(mailbox);
        expect(entries.map((e) => e.subject)).toEqual(["message 2", "message 3", "message 4", "message 5"]);
        expect(stored).toBe("6");
      } finally {
        await mailbox.close();
      }
    });

    it("empties the disk too when emptied, the messages it no longer lists included", async () => {
      const dir = await tempDir();
      const mailbox = await startMailbox({ dir, maxListed: 2 });
      try {
        await send(mailbox, 4);
        expect((await fetch(`${mailbox.url}/messages`, { method: "DELETE" })).status).toBe(204);

        expect(await readdir(dir)).toEqual([]);
        expect(await listing(mailbox)).toEqual({ entries: [], stored: "0" });
      } finally {
        await mailbox.close();
      }
    });
  });

  describe("HTTP listing", () => {
    let mailbox: Mailbox;
    let port: number;
    beforeAll(async () => {
      mailbox = await startMailbox({ dir: await tempDir() });
      port = Number(new URL(mailbox.url).port);
    });
    afterAll(async () => mailbox?.close());

    it.each(["http://[", "http://a:99999/", "//[::1"])("answers 400 to the request target %s and keeps listing", async (target) => {
      const answer = await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);

      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).message).toMatch(/request target/i);
      expect((await fetch(`${mailbox.url}/messages`)).status).toBe(200);
    });
  });
});

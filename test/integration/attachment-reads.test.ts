// How often delivery reads attachments from S3 (the s3rver stand-in, counted with a middleware
// on the real S3 client): once per distinct file per delivery job, a few at a time, however
// many of the job's copies (or one copy's list) name the file.
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simpleParser } from "mailparser";
import { acceptSubmission } from "../../shared/accept/accept.ts";
import { DEFAULT_OPTIONS, type Submission } from "../../shared/domain/submission.ts";
import type { DeliverDeps } from "../../shared/deliver/deliver-message.ts";
import { makeAttachmentLoader } from "../../shared/files/attachments.ts";

import { makeSmtpTransport } from "../../shared/transport/transport.ts";
import { makeHandler as makeDeliverHandler } from "../../functions/queues/deliver.ts";
import { startMailbox, type Mailbox } from "../../local/mailbox.ts";

import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";
import type { AttachmentRef } from "../../shared/domain/body.ts";
import type { Caller } from "../../shared/domain/account.ts";

let t: TestEnv;
let mailbox: Mailbox;
let deps: DeliverDeps;
let caller: Caller;
/** Attachment reads (GetObject under files/) by key, and the most that were in flight at once. */
const reads = { byKey: new Map<string, number>(), inFlight: 0, maxInFlight: 0 };

beforeAll(async () => {
  t = await makeTestEnv();
  t.deps.clients.s3.middlewareStack.add(
    (next, context) => async (args) => {
      const key = (args.input as { Key?: string }).Key ?? "";
      if (context.commandName !== "GetObjectCommand" || !key.startsWith("files/")) return next(args);
      reads.byKey.set(key, (reads.byKey.get(key) ?? 0) + 1);
      reads.maxInFlight = Math.max(reads.maxInFlight, ++reads.inFlight);
      try {
        return await next(args);
      } finally {
        reads.inFlight--;
      }
    },
    { step: "initialize", name: "countAttachmentReads" },
  );
  mailbox = await startMailbox({ dir: await mkdtemp(path.join(os.tmpdir(), "posthaste-mailbox-")) });
  deps = {
    ...t.deps,
    transport: makeSmtpTransport({ host: "127.0.0.1", port: mailbox.smtpPort, secure: false, plain: true, finalHop: true }),
    loadAttachments: makeAttachmentLoader(t.deps.clients.s3, t.config.bucketName),
  };
  ({ caller } = await makeAccount(t.deps));
});

afterAll(async () => {
  deps.transport.close();
  await mailbox.close();
});

async function uploadFiles(count: number): Promise<AttachmentRef[]> {
  const files = Array.from({ length: count }, (_, i) => ({
    filename: `part-${i}.txt`,
    contentType: "text/plain",
    content: Buffer.from(`file ${i}`),
  }));
  return (await t.deps.files.putMany(caller, files)).map(t.deps.files.toRef);
}

/** Accepts a submission and runs one delivery job naming all its copies, as the queue would hand it over. */
async function deliverAsOneJob(addresses: string[], attachments: AttachmentRef[]) {
  const submission: Submission = {
    from: { address: "billing@example.com" },
    subject: "Invoice",
    text: "Attached.",
    attachments,
    recipients: addresses.map((address, index) => ({ index, address, mergeFields: {}, extraData: {} })),
    checkSuppression: false,
    options: DEFAULT_OPTIONS,
  };
  const messageIds = (await acceptSubmission(t.deps, caller, submission)).map((r) => r.messageId);
  reads.byKey.clear();
  reads.maxInFlight = 0;
  const response = await makeDeliverHandler(deps)({ Records: [{ messageId: "sqs-job", body: JSON.stringify({ messageIds }) } as never] });
  expect(response.batchItemFailures).toEqual([]);
  return messageIds;
}

const deliveredAttachments = async (messageId: string) => {
  const entry = mailbox.list().find((e) => e.messageId === messageId)!;
  return (await simpleParser(await mailbox.raw(entry.id))).attachments.map((a) => [a.filename, a.content.toString()]);
};

describe("attachments at delivery", () => {
  it("reads a file once for a whole job of copies that all carry it", async () => {
    const [file] = await uploadFiles(1);

    const ids = await deliverAsOneJob(
      Array.from({ length: 10 }, (_, i) => `copy${i}@example.org`),
      [file],
    );

    expect(reads.byKey.get(file.key)).toBe(1);
    for (const id of ids) expect(await deliveredAttachments(id)).toEqual([["part-0.txt", "file 0"]]);
  });

  it("reads a file named several times by one message once, and attaches it each time it is named", async () => {
    // What a message stored before repeats were refused can still hold.
    const [file] = await uploadFiles(1);

    const [id] = await deliverAsOneJob(["repeats@example.org"], [file, file, file]);

    expect(reads.byKey.get(file.key)).toBe(1);
    expect(await deliveredAttachments(id)).toHaveLength(3);
  });

  it("reads at most four files at a time", async () => {
    const files = await uploadFiles(12);

    const [id] = await deliverAsOneJob(["many@example.org", "many2@example.org"], files);

    expect([...reads.byKey.values()]).toEqual(Array(12).fill(1));
    expect(reads.maxInFlight).toBeLessThanOrEqual(4);
    expect(await deliveredAttachments(id)).toHaveLength(12);
  });
});

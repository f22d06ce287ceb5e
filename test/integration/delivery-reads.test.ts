// What one delivery job costs in DynamoDB calls (dynalite, counted with a middleware on the real
// client): a job's copies share their submission's body, so it is read once for all of them,
// and each copy takes one write to claim it and one to record what its send did.
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { acceptSubmission } from "../../shared/accept/accept.ts";
import { DEFAULT_OPTIONS, type Submission } from "../../shared/domain/submission.ts";
import type { DeliverDeps } from "../../shared/deliver/deliver-message.ts";
import { makeSmtpTransport } from "../../shared/transport/transport.ts";
import { makeHandler as makeDeliverHandler } from "../../functions/queues/deliver.ts";
import { startMailbox, type Mailbox } from "../../local/mailbox.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";
import type { Caller } from "../../shared/domain/account.ts";

let t: TestEnv;
let mailbox: Mailbox;
let caller: Caller;
/** DynamoDB calls by command and the kind of item they name (the pk before its '#'). */
const calls = new Map<string, number>();

beforeAll(async () => {
  t = await makeTestEnv();
  t.deps.clients.ddb.middlewareStack.add(
    (next, context) => async (args) => {
      const pk = (args.input as { Key?: { pk?: string } }).Key?.pk ?? "";
      const name = `${context.commandName?.replace(/Command$/, "")} ${pk.slice(0, pk.indexOf("#"))}`;
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: "countCalls" },
  );
  mailbox = await startMailbox({ dir: await mkdtemp(path.join(os.tmpdir(), "posthaste-mailbox-")) });
  ({ caller } = await makeAccount(t.deps));
});

afterAll(async () => {
  await mailbox.close();
});

beforeEach(() => calls.clear());

/** A worker as a fresh container has it: nothing read yet. */
function freshWorker(): DeliverDeps {
  return {
    ...t.deps,
    transport: makeSmtpTransport({ host: "127.0.0.1", port: mailbox.smtpPort, secure: false, plain: true, finalHop: true }),
    loadAttachments: async () => [],
  };
}

async function acceptCopies(count: number): Promise<string[]> {
  const submission: Submission = {
    from: { address: "news@example.com" },
    subject: "Hello, {{Name}}",
    html: "<p>Hello, {{Name}}!</p>",
    recipients: Array.from({ length: count }, (_, index) => ({
      index,
      address: `reader${index}@example.org`,
      mergeFields: { Name: `Reader ${index}` },
      extraData: {},
    })),
    checkSuppression: false,
    options: DEFAULT_OPTIONS,
  };
  return (await acceptSubmission(t.deps, caller, submission)).map((r) => r.messageId);
}

describe("a delivery job's reads and writes", () => {
  it("reads the body its ten copies share once, claims each copy once and records each send in one write", async () => {
    const messageIds = await acceptCopies(10);
    const worker = freshWorker();
    calls.clear();

    const response = await makeDeliverHandler(worker)({
      Records: [{ messageId: "sqs-job", body: JSON.stringify({ messageIds }) } as never],
    });

    expect(response.batchItemFailures).toEqual([]);
    expect(calls.get("GetItem BODY")).toBe(1);
    // The claim, then SENT and DELIVERED together.
    expect(calls.get("UpdateItem MESSAGE")).toBe(20);
    for (const id of messageIds) expect(mailbox.list().some((e) => e.messageId === id)).toBe(true);
    worker.transport.close();
  });
});

// Benchmark 3: accept to delivered in the local mailbox. First at a fixed offered rate (latency
// of each message from its request's scheduled start to the mailbox's receivedAt), then a
// backlog accepted in batches to find the delivered rate at saturation. Every accepted message
// is looked for in the mailbox: nothing may be lost. The reference sends the same mail straight
// into the same mailbox with nodemailer (pooled, 5 connections like the delivery transport), so
// the mailbox's own speed is measured alone.
import { readdir } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import type { MailboxEntry } from "../local/mailbox.ts";
import { ACCEPT_SCOPES, addCosts, costOf, DELIVERY_SCOPES, durationsOf, type Cost, type Durations } from "./cost.ts";
import { jsonPoster, postAtFixedRate, runAtFixedRate } from "./http-load.ts";
import { platformTarget } from "./http-accept.ts";
import { HTML, messageIdsOf, recipients, sendRequest } from "./payloads.ts";
import { usageBetween, type BenchPlatform, type Usage } from "./platform.ts";
import type { Profile } from "./profiles.ts";
import { percentile, round, summarize, type LatencySummary } from "./stats.ts";

/** One run at a fixed offered rate: every accepted message looked for in the mailbox. */
export interface PacedDelivery {
  rate: number;
  seconds: number;
  accepted: number;
  failedRequests: number;
  delivered: number;
  lost: number;
  duplicates: number;
  /** Scheduled request start to the HTTP answer. */
  acceptLatency: LatencySummary;
  /** Scheduled request start to mailbox receivedAt. */
  latency: LatencySummary;
  /** ACCEPTED to DELIVERED in the messages' own history, for a sample (GET /email/messages/{id}). */
  historyLatency: LatencySummary;
}

export interface DeliveryResult {
  light: PacedDelivery;
  offered: PacedDelivery;
  reference: { rate: number; sent: number; latency: LatencySummary };
  saturation: {
    posthaste: { accepted: number; delivered: number; lost: number; messagesPerSecond: number; drainSeconds: number };
    reference: { sent: number; messagesPerSecond: number };
  };
  cost: { single: Cost; batch: Cost };
  /** Handler durations under light load, used to price Lambda time. */
  durations: Durations;
}

const HISTORY_SAMPLE = 50;
const POLL_MS = 500;

async function mailboxEntries(platform: BenchPlatform): Promise<MailboxEntry[]> {
  return (await (await fetch(`${platform.info.mailboxUrl}/messages`)).json()) as MailboxEntry[];
}

/** How many messages the mailbox holds: it writes one .json index file each (local/mailbox.ts). */
const storedCount = async (platform: BenchPlatform) =>
  (await readdir(path.join(platform.dataDir, "mailbox"))).filter((f) => f.endsWith(".json")).length;

/**
 * Waits until every id is in the mailbox (or the time is up) and returns what arrived, by id.
 * It counts the mailbox's files while waiting and lists it over HTTP only when the count says
 * everything may be there, so that polling does not load the platform it measures.
 */
async function awaitDelivery(
  platform: BenchPlatform,
  ids: string[],
  storedBefore: number,
  timeoutSeconds: number,
): Promise<Map<string, MailboxEntry[]>> {
  const wanted = new Set(ids);
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const timedOut = Date.now() > deadline;
    if (timedOut || (await storedCount(platform)) >= storedBefore + wanted.size) {
      const found = new Map<string, MailboxEntry[]>();
      for (const entry of await mailboxEntries(platform)) {
        if (entry.messageId && wanted.has(entry.messageId)) found.set(entry.messageId, [...(found.get(entry.messageId) ?? []), entry]);
      }
      if (found.size >= wanted.size || timedOut) return found;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function referenceTransport(platform: BenchPlatform) {
  return nodemailer.createTransport({
    pool: true,
    host: "127.0.0.1",
    port: platform.info.mailboxSmtpPort,
    secure: false,
    ignoreTLS: true,
    maxConnections: 5,
    maxMessages: Infinity,
  });
}

const referenceMail = (platform: BenchPlatform, index: number) => ({
  from: `orders@${platform.info.senderDomain}`,
  to: `reference+${index}@example.org`,
  subject: `Your order, Reader ${index}`,
  html: HTML.replaceAll("[Name]", `Reader ${index}`),
  text: `Hello, Reader ${index}!`,
});

async function referenceRun(
  platform: BenchPlatform,
  profile: Profile,
): Promise<{ paced: DeliveryResult["reference"]; saturation: DeliveryResult["saturation"]["reference"] }> {
  const transport = referenceTransport(platform);
  try {
    const paced = await runAtFixedRate({ rate: profile.deliveryRate, count: profile.deliveryRate * profile.deliverySeconds }, (i) =>
      transport.sendMail(referenceMail(platform, i)).then(
        () => true,
        () => false,
      ),
    );
    const sent = paced.filter((p) => p.value);
    const started = performance.now();
    const backlog = await Promise.all(
      Array.from({ length: profile.backlog }, (_, i) =>
        transport.sendMail(referenceMail(platform, 1_000_000 + i)).then(
          () => true,
          () => false,
        ),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const backlogSent = backlog.filter(Boolean).length;
    return {
      paced: { rate: profile.deliveryRate, sent: sent.length, latency: summarize(sent.map((p) => p.latencyMs)) },
      saturation: { sent: backlogSent, messagesPerSecond: round(backlogSent / seconds) },
    };
  } finally {
    transport.close();
  }
}

async function historyLatencies(platform: BenchPlatform, ids: string[]): Promise<number[]> {
  const latencies: number[] = [];
  for (const id of ids.slice(0, HISTORY_SAMPLE)) {
    const response = await fetch(`${platform.info.apiUrl}/email/messages/${id}`, {
      headers: { authorization: `Key ${platform.info.apiKey}` },
    });
    const history = ((await response.json()) as { Result?: { History?: { Status: string; Ts: number }[] } }).Result?.History ?? [];
    const accepted = history.find((h) => h.Status === "ACCEPTED")?.Ts;
    const delivered = history.find((h) => h.Status === "DELIVERED")?.Ts;
    if (accepted !== undefined && delivered !== undefined) latencies.push(delivered - accepted);
  }
  return latencies;
}

const countDuplicates = (found: Map<string, MailboxEntry[]>) => [...found.values()].reduce((sum, entries) => sum + entries.length - 1, 0);

/** Accept and delivery priced apart, then added: the cost of one message end to end. */
function endToEndCost(
  usage: Usage,
  counts: { accepted: number; delivered: number; httpRequests: number; requestBytes: number },
  durations: Durations,
): Cost {
  const accept = costOf(usage, {
    messages: counts.accepted,
    scopes: ACCEPT_SCOPES,
    httpRequests: counts.httpRequests,
    httpRequestBytes: counts.requestBytes,
    durations,
  });
  const delivery = costOf(usage, { messages: counts.delivered, scopes: DELIVERY_SCOPES, httpRequests: 0, httpRequestBytes: 0, durations });
  return addCosts(accept, delivery);
}

/** Single-recipient requests at a fixed rate; waits until every accepted message is in the mailbox. */
async function pacedDelivery(
  platform: BenchPlatform,
  rate: number,
  seconds: number,
  label: string,
  profile: Profile,
): Promise<{ result: PacedDelivery; usage: Usage; requestBytes: number }> {
  const domain = platform.info.senderDomain;
  const bodies = recipients(Math.max(1, Math.round(rate * seconds)), label).map((r) => sendRequest(domain, [r]));
  const before = await platform.usage();
  const storedBefore = await storedCount(platform);
  const paced = await postAtFixedRate(platformTarget(platform), (i) => bodies[i], { rate, count: bodies.length });
  const sentAt = new Map<string, number>();
  for (const p of paced) for (const id of messageIdsOf(p.value.body)) sentAt.set(id, p.scheduledAt);
  const found = await awaitDelivery(platform, [...sentAt.keys()], storedBefore, profile.drainTimeoutSeconds);
  const usage = usageBetween(before, await platform.usage());
  const latencies = [...found].map(([id, entries]) => Date.parse(entries[0].receivedAt) - sentAt.get(id)!);
  const ok = paced.filter((p) => p.value.status === 200);
  return {
    result: {
      rate,
      seconds,
      accepted: sentAt.size,
      failedRequests: paced.length - ok.length,
      delivered: found.size,
      lost: sentAt.size - found.size,
      duplicates: countDuplicates(found),
      acceptLatency: summarize(ok.map((p) => p.latencyMs)),
      latency: summarize(latencies),
      historyLatency: summarize(await historyLatencies(platform, [...found.keys()])),
    },
    usage,
    requestBytes: Buffer.byteLength(bodies[0]),
  };
}

/**
 * `batchDurations`: the accept handler's time for one batch with nothing else running (from the
 * HTTP accept benchmark); without it the backlog's own, slower, times are used.
 */
export async function benchDelivery(
  platform: BenchPlatform,
  profile: Profile,
  batchDurations: Durations | undefined,
  progress: (line: string) => void,
): Promise<DeliveryResult> {
  progress(`mailbox alone (reference): ${profile.deliveryRate} messages/s, then a backlog of ${profile.backlog}`);
  const reference = await referenceRun(platform, profile);

  progress(`accept to delivered under light load: ${profile.lightRate} messages/s for ${profile.lightSeconds} s`);
  const light = await pacedDelivery(platform, profile.lightRate, profile.lightSeconds, "light", profile);
  const durations = durationsOf(light.usage);

  progress(`accept to delivered at ${profile.deliveryRate} messages/s for ${profile.deliverySeconds} s`);
  const offered = await pacedDelivery(platform, profile.deliveryRate, profile.deliverySeconds, "offered", profile);

  progress(`delivered rate at saturation: ${profile.backlog} messages accepted in batches`);
  const domain = platform.info.senderDomain;
  const batchSize = Math.min(profile.batchRecipients, profile.backlog);
  const client = jsonPoster(platformTarget(platform), 1);
  const beforeBacklog = await platform.usage();
  const storedBeforeBacklog = await storedCount(platform);
  const backlogIds: string[] = [];
  let batchRequests = 0;
  const backlogStarted = Date.now();
  for (let offset = 0; offset < profile.backlog; offset += batchSize) {
    const batch = recipients(Math.min(batchSize, profile.backlog - offset), `backlog${offset}`);
    const response = await client.post(sendRequest(domain, batch));
    batchRequests++;
    backlogIds.push(...messageIdsOf(response.body));
  }
  client.close();
  const backlogFound = await awaitDelivery(platform, backlogIds, storedBeforeBacklog, profile.drainTimeoutSeconds);
  const backlogUsage = usageBetween(beforeBacklog, await platform.usage());
  const arrivals = [...backlogFound.values()].map((entries) => Date.parse(entries[0].receivedAt));
  // The middle 80% of arrivals: the steady rate, without the ramp up and the tail.
  const steadySeconds = (percentile(arrivals, 90) - percentile(arrivals, 10)) / 1000;
  const steadyRate = steadySeconds > 0 ? (0.8 * arrivals.length) / steadySeconds : NaN;
  const lastArrival = arrivals.reduce((a, b) => Math.max(a, b), backlogStarted);
  const batchBytes = Buffer.byteLength(sendRequest(domain, recipients(batchSize, "backlog0")));

  return {
    light: light.result,
    offered: offered.result,
    reference: reference.paced,
    saturation: {
      posthaste: {
        accepted: backlogIds.length,
        delivered: backlogFound.size,
        lost: backlogIds.length - backlogFound.size,
        messagesPerSecond: round(steadyRate),
        drainSeconds: round((lastArrival - backlogStarted) / 1000),
      },
      reference: reference.saturation,
    },
    cost: {
      single: endToEndCost(
        light.usage,
        {
          accepted: light.result.accepted,
          delivered: light.result.delivered,
          httpRequests: light.result.accepted,
          requestBytes: light.requestBytes,
        },
        durations,
      ),
      batch: endToEndCost(
        backlogUsage,
        { accepted: backlogIds.length, delivered: backlogFound.size, httpRequests: batchRequests, requestBytes: batchBytes },
        { ...durations, ...(batchDurations ? pick(batchDurations, ACCEPT_SCOPES) : omit(durations, ACCEPT_SCOPES)) },
      ),
    },
    durations,
  };
}

const pick = (durations: Durations, entries: string[]): Durations =>
  Object.fromEntries(Object.entries(durations).filter(([entry]) => entries.includes(entry)));
const omit = (durations: Durations, entries: string[]): Durations =>
  Object.fromEntries(Object.entries(durations).filter(([entry]) => !entries.includes(entry)));

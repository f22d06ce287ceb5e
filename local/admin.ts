// `npm run admin -- <command>`: accounts, projects, API keys and sender domains.
// Locally it talks to the running platform's stand-ins (from .data/local.json); with
// POSTHASTE_MODE=aws it uses the table named by TABLE_NAME and the ambient AWS credentials.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { makeAwsClients, type AwsClients } from "../shared/aws.ts";
import { loadAdminSettings, quietSdkVersionNotice, type AdminSettings } from "../shared/config.ts";
import { isValidAddress } from "../shared/domain/address.ts";
import { makeAccountStore } from "../shared/store/accounts.ts";
import { ROOT, type LocalInfo } from "./platform.ts";
import { QUEUES, type QueueName } from "../functions/manifest.ts";
import { replayDeadLetters } from "../shared/queue/dead-letters.ts";
import { makeWebhookEndpointStore } from "../shared/store/webhook-endpoints.ts";
import { webhookView } from "../shared/webhooks/manage.ts";
import { makeWebhookRecordStore } from "../shared/store/webhook-records.ts";
import { makeWebhookQueue } from "../shared/queue/webhooks.ts";
import { replayParkedWebhooks } from "../shared/webhooks/replay.ts";
import { checkWebhookUrl } from "../shared/webhooks/url-policy.ts";
import type { AccountSettings } from "../shared/domain/account.ts";
import { loadAdminFunctionConfig, loadConfig } from "../shared/config.ts";
import { addDomain, check, domainView, recheckDomains } from "../shared/domains/index.ts";
import { domainDeps } from "../shared/wiring-domains.ts";
import { secretsRefresh, wiring } from "../shared/wiring.ts";
import { dkimKeyEncryptionKey } from "./platform.ts";
import { publishRecords, readZone, removeRecords, zoneRecordsOf } from "./dns-zone.ts";
import { isAppError } from "../shared/domain/errors.ts";
import { getStatistics, renderStatisticsTable, statisticsView } from "../shared/statistics/index.ts";
import { listLogs } from "../shared/logs/index.ts";
import { makeCounterStore } from "../shared/store/counters.ts";
import { makeMessageLogStore } from "../shared/store/message-log.ts";

const USAGE = `Usage: npm run admin -- <command> [options]

  account create --name <name>                    new account, its id and first API key
  account show --account <id>
  account set --account <id> [--ip-allowlist <cidr,cidr>] [--rate <requests/s>] [--allow-skip-unsubscribe true|false]
              [--skip-unsubscribe true|false] [--smtp-strict true|false] [--track-opens true|false] [--track-links true|false]
                                                  [--track-opens true|false] [--track-links true|false]
  project create --account <id> --name <name>     new project and its API key
  project set --account <id> --project <id> --skip-unsubscribe true|false   the project's mail goes without the unsubscribe link
  key create --account <id> [--project <id>] [--label <text>]
  domain add --account <id> --domain <domain> [--unverified]
                                                  a sending domain with its DKIM key and records; operator-verified
                                                  (sends at once, whatever DNS says) unless --unverified
  domain list --account <id>
  domain show --account <id> --domain <domain>    its records and their states
  domain verify --account <id> --domain <domain>  look its records up now
  domain recheck                                  the daily re-check of every domain, now
  dns publish --account <id> --domain <domain>    (local) publish the domain's records to the DNS stand-in
  dns remove --domain <name> [--type TXT|MX|CNAME] (local) remove the records at a name from the DNS stand-in
  dns list                                        (local) what the DNS stand-in serves
  sender add --account <id> --address <email>     a single verified sender address
  dlq replay --queue deliveries|webhooks|sesEvents move parked records back to their queue
  webhook add --account <id> --url <url> [--description <text>]   a URL for every status change; prints its secret
  webhook list --account <id>                     the account's webhook URLs and secrets ("callback" signs callbackUrl posts)
  webhook remove --account <id> --id <webhookId>
  webhook rotate --account <id> --id <webhookId|callback>          new secret; the old one also signs for 24 h
  webhook replay [--account <id>]                 send parked webhook records (of one account) back to the queue
  stats --account <id> [--period today|week|month|3months|6months|year] [--from <date[Thh:mm]>] [--to <date[Thh:mm]>]
        [--tz <zone>] [--project <id>] [--tag <tag>]                   the statistics table, as the API answers it
  logs --account <id> [--to <email>] [--from <email>] [--status <status>] [--tag <tag>] [--project <id>]
       [--limit <n>] [--cursor <cursor>]                               a page of the logs, newest first

API keys are printed once; only their SHA-256 hash is stored.`;

type QueueUrls = Partial<Record<QueueName, { url: string; dlqUrl: string }>>;

/**
 * The domain service as the functions build it. Locally from the running platform (its DNS
 * stand-in and key secret); on AWS from the functions' settings in this environment
 * (TRANSPORT, DKIM_KEY_ENCRYPTION_KEY or DKIM_KEY_ENCRYPTION_KEY_ARN, DNS_SERVERS ..., docs/configuration.md).
 */
async function domainService(settings: AdminSettings, tableName: string, clients: AwsClients, info?: LocalInfo) {
  const env: Record<string, string | undefined> | undefined = info
    ? {
        POSTHASTE_MODE: "local",
        TABLE_NAME: tableName,
        BUCKET_NAME: info.bucketName,
        LINK_SECRET: "-",
        PUBLIC_URL: info.apiUrl,
        TRANSPORT: "mailbox",
        SMTP_HOST: "127.0.0.1",
        DNS_SERVERS: `127.0.0.1:${info.dnsPort}`,
        DKIM_KEY_ENCRYPTION_KEY: await dkimKeyEncryptionKey(settings.dataDir ?? path.join(ROOT, ".data")),
        WEBHOOKS_QUEUE_URL: info.queues.webhooks.url,
        DYNAMODB_ENDPOINT: info.endpoints.dynamodb,
        SQS_ENDPOINT: info.endpoints.sqs,
        S3_ENDPOINT: info.endpoints.s3,
      }
    : undefined;
  const config = env ? loadConfig(env) : loadAdminFunctionConfig(tableName);
  const w = wiring({ config, clients: { dynamo: { dynamo: clients.dynamo, ddb: clients.ddb }, sqs: clients.sqs, s3: clients.s3 } });
  // On AWS the key-encryption secret may be named by ARN (DKIM_KEY_ENCRYPTION_KEY_ARN), as the functions have it.
  await secretsRefresh(w)();
  return domainDeps(w);
}

async function connect(settings: AdminSettings): Promise<{ tableName: string; queues: QueueUrls; info?: LocalInfo } & AwsClients> {
  if (settings.mode === "aws") {
    const tableName = settings.tableName;
    if (!tableName) throw new Error("Set TABLE_NAME (the stack output) when POSTHASTE_MODE=aws");
    // On AWS the operator names the queues: DELIVERIES_QUEUE_URL and DELIVERIES_DLQ_URL, and so on (docs/admin-cli.md).
    const queues: QueueUrls = {};
    for (const [name, def] of Object.entries(QUEUES)) {
      const url = settings.queueUrls[def.urlEnv];
      const dlqUrl = settings.queueUrls[def.urlEnv.replace(/_QUEUE_URL$/, "_DLQ_URL")];
      if (url && dlqUrl) queues[name as QueueName] = { url, dlqUrl };
    }
    return { tableName, queues, ...makeAwsClients({ mode: "aws", region: settings.region, endpoints: {} }) };
  }
  const dataDir = settings.dataDir ?? path.join(ROOT, ".data");
  const info = JSON.parse(
    await readFile(path.join(dataDir, "local.json"), "utf8").catch(() => {
      throw new Error(`No local platform found in ${dataDir}: start it first with npm start`);
    }),
  ) as LocalInfo;
  return {
    tableName: info.tableName,
    queues: info.queues,
    info,
    ...makeAwsClients({ mode: "local", region: "us-east-1", endpoints: info.endpoints }),
  };
}

function need(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== "string" || !value) throw new Error(`--${name} is required\n\n${USAGE}`);
  return value;
}

async function main(argv: string[]) {
  quietSdkVersionNotice();
  const settings = loadAdminSettings();
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: "string" },
      account: { type: "string" },
      project: { type: "string" },
      label: { type: "string" },
      domain: { type: "string" },
      address: { type: "string" },
      unverified: { type: "boolean" },
      "ip-allowlist": { type: "string" },
      rate: { type: "string" },
      "allow-skip-unsubscribe": { type: "string" },
      "track-opens": { type: "string" },
      "track-links": { type: "string" },
      "skip-unsubscribe": { type: "string" },
      "smtp-strict": { type: "string" },
      json: { type: "boolean" },
      type: { type: "string" },
      queue: { type: "string" },
      url: { type: "string" },
      id: { type: "string" },
      description: { type: "string" },
      period: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      tz: { type: "string" },
      tag: { type: "string" },
      status: { type: "string" },
      limit: { type: "string" },
      cursor: { type: "string" },
    },
  });
  const [noun, verb] = positionals;
  const oneWord = noun === "stats" || noun === "logs";
  if (!noun || (!verb && !oneWord)) return console.log(USAGE);
  const connection = await connect(settings);
  const { tableName, ddb, sqs, queues, info } = connection;
  const domains = () => domainService(settings, tableName, connection, info);
  const localDataDir = () => {
    if (!info) throw new Error("dns commands work on the local platform's DNS stand-in only");
    return settings.dataDir ?? path.join(ROOT, ".data");
  };
  const accounts = makeAccountStore(ddb, tableName);
  const print = (result: Record<string, unknown>) =>
    console.log(
      values.json
        ? JSON.stringify(result)
        : Object.entries(result)
            .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
            .join("\n"),
    );
  const existingAccount = async () => {
    const accountId = need(values, "account");
    if (!(await accounts.getAccount(accountId))) throw new Error(`No account ${accountId}`);
    return accountId;
  };

  // What the read routes take: the same query parameters, from the options given.
  const options = values as Record<string, string | boolean | undefined>;
  const query = (names: Record<string, string>): Record<string, string> =>
    Object.fromEntries(
      Object.entries(names).flatMap(([option, parameter]) => (typeof options[option] === "string" ? [[parameter, options[option]]] : [])),
    );
  const readAs = async () => ({ accountId: await existingAccount(), projectId: values.project });
  const refused = (error: unknown) => {
    if (!isAppError(error)) throw error;
    throw new Error(`${error.message}${error.reasons.length ? ` (${error.reasons.map((r) => `${r.ref}: ${r.key}`).join(", ")})` : ""}`);
  };

  if (oneWord) {
    if (verb) throw new Error(`Unknown command "${noun} ${verb}"\n\n${USAGE}`);
    if (noun === "stats") {
      const caller = await readAs();
      const answer = await getStatistics(
        makeCounterStore(ddb, tableName),
        { accountId: caller.accountId },
        query({ period: "period", from: "from", to: "to", tz: "tz", project: "projectId", tag: "tag" }),
      ).catch(refused);
      const title = `Statistics of ${caller.accountId}${caller.projectId ? `, project ${caller.projectId}` : ""}${values.tag ? `, tag ${values.tag}` : ""}`;
      return console.log(values.json ? JSON.stringify(statisticsView(answer!)) : renderStatisticsTable(answer!, title));
    }
    const caller = await readAs();
    const page = await listLogs(
      // The CLI's cursors are its own: they page the CLI's answers, not the API's.
      { log: makeMessageLogStore(ddb, tableName), retentionHours: 48, cursorSecret: `admin-cli:${tableName}` },
      { accountId: caller.accountId },
      {
        limit: "20",
        ...query({ to: "to", from: "from", status: "status", tag: "tag", project: "projectId", limit: "limit", cursor: "cursor" }),
      },
    ).catch(refused);
    if (values.json) return console.log(JSON.stringify(page));
    return console.log(renderLogsPage(page!));
  }

  switch (`${noun} ${verb}`) {
    case "account create": {
      const account = await accounts.createAccount(need(values, "name"));
      const apiKey = await accounts.createApiKey(account.accountId, undefined, "first key");
      return print({ accountId: account.accountId, apiKey });
    }
    case "account show":
      return print({
        ...(await accounts.getAccount(await existingAccount())),
        domains: await accounts.listDomains(need(values, "account")),
        projects: await accounts.listProjects(need(values, "account")),
      });
    case "account set": {
      const accountId = await existingAccount();
      const flag = (name: "allow-skip-unsubscribe" | "track-opens" | "track-links" | "skip-unsubscribe" | "smtp-strict") =>
        booleanFlag(values[name], name);
      const updates: AccountSettings = {
        ipAllowlist: values["ip-allowlist"]
          ?.split(",")
          .map((s) => s.trim())
          .filter(Boolean),
        rateLimitPerSecond: values.rate === undefined ? undefined : Number(values.rate),
        allowSkipUnsubscribe: flag("allow-skip-unsubscribe"),
        trackOpens: flag("track-opens"),
        trackLinks: flag("track-links"),
        forceSkipUnsubscribe: flag("skip-unsubscribe"),
        smtpStrict: flag("smtp-strict"),
      };
      if (Object.values(updates).every((v) => v === undefined)) throw new Error(`Nothing to set\n\n${USAGE}`);
      await accounts.updateSettings(accountId, updates);
      return print({ accountId, ...updates });
    }
    case "project create": {
      const accountId = await existingAccount();
      const project = await accounts.createProject(accountId, need(values, "name"));
      const apiKey = await accounts.createApiKey(accountId, project.projectId, "first key");
      return print({ accountId, projectId: project.projectId, apiKey });
    }
    case "project set": {
      const accountId = await existingAccount();
      const projectId = need(values, "project");
      if (!(await accounts.getProject(accountId, projectId))) throw new Error(`No project ${projectId} in ${accountId}`);
      const forceSkipUnsubscribe = booleanFlag(values["skip-unsubscribe"], "skip-unsubscribe");
      if (forceSkipUnsubscribe === undefined) throw new Error(`Nothing to set\n\n${USAGE}`);
      await accounts.updateProjectSettings(accountId, projectId, { forceSkipUnsubscribe });
      return print({ accountId, projectId, forceSkipUnsubscribe });
    }
    case "key create": {
      const accountId = await existingAccount();
      if (values.project && !(await accounts.getProject(accountId, values.project)))
        throw new Error(`No project ${values.project} in ${accountId}`);
      return print({ accountId, projectId: values.project, apiKey: await accounts.createApiKey(accountId, values.project, values.label) });
    }
    case "domain add": {
      const accountId = await existingAccount();
      const added = await addDomain(await domains(), accountId, need(values, "domain"), { operatorVerified: !values.unverified });
      return print({ accountId, ...domainView(added) });
    }
    case "domain list":
      return print({ domains: await accounts.listDomains(await existingAccount()) });
    case "domain show":
    case "domain verify": {
      const accountId = await existingAccount();
      const deps = await domains();
      const found = await deps.store.get(accountId, need(values, "domain").toLowerCase());
      if (!found) throw new Error(`No domain ${values.domain} in ${accountId}`);
      return print({ accountId, ...domainView(verb === "verify" ? (await check(deps, found)).domain : found) });
    }
    case "domain recheck":
      return print(await recheckDomains(await domains()));
    case "dns publish": {
      const accountId = await existingAccount();
      const dataDir = localDataDir();
      const found = await (await domains()).store.get(accountId, need(values, "domain").toLowerCase());
      if (!found?.records.length) throw new Error(`No domain ${values.domain} with records in ${accountId}`);
      return print({ published: await publishRecords(dataDir, zoneRecordsOf(found.records)) });
    }
    case "dns remove": {
      const type = values.type?.toUpperCase();
      if (type !== undefined && !["TXT", "MX", "CNAME"].includes(type)) throw new Error("--type is one of TXT, MX, CNAME");
      return print({ removed: await removeRecords(localDataDir(), [need(values, "domain")], type as "TXT" | "MX" | "CNAME" | undefined) });
    }
    case "dns list":
      return print({ records: await readZone(localDataDir()) });
    case "sender add": {
      const accountId = await existingAccount();
      const address = need(values, "address");
      if (!isValidAddress(address)) throw new Error(`${address} is not an email address`);
      await accounts.addSenderAddress(accountId, address);
      return print({ accountId, address, verified: true });
    }
    case "dlq replay": {
      const queue = queues[need(values, "queue") as QueueName];
      if (!queue) throw new Error(`Unknown queue "${values.queue}" (or its URLs are not set): one of ${Object.keys(QUEUES).join(", ")}`);
      return print({ queue: values.queue, replayed: await replayDeadLetters(sqs, { dlqUrl: queue.dlqUrl, queueUrl: queue.url }) });
    }
    case "webhook add": {
      const accountId = await existingAccount();
      const url = need(values, "url");
      const refusal = await checkWebhookUrl(url, settings.mode);
      if (refusal) throw new Error(`${url} is refused: ${refusal}`);
      return print(webhookView(await makeWebhookEndpointStore(ddb, tableName).add(accountId, { url, description: values.description })));
    }
    case "webhook list": {
      const accountId = await existingAccount();
      const endpoints = makeWebhookEndpointStore(ddb, tableName);
      await endpoints.callbackEndpoint(accountId);
      return print({ webhooks: (await endpoints.list(accountId)).map(webhookView) });
    }
    case "webhook remove": {
      const accountId = await existingAccount();
      if (need(values, "id") === "callback") throw new Error("The callback secret cannot be removed; rotate it instead");
      if (!(await makeWebhookEndpointStore(ddb, tableName).remove(accountId, values.id!)))
        throw new Error(`No webhook ${values.id} in ${accountId}`);
      return print({ accountId, removed: values.id });
    }
    case "webhook rotate": {
      const accountId = await existingAccount();
      const endpoint = await makeWebhookEndpointStore(ddb, tableName).rotateSecret(accountId, need(values, "id"));
      if (!endpoint) throw new Error(`No webhook ${values.id} in ${accountId}`);
      return print(webhookView(endpoint));
    }
    case "webhook replay": {
      const queue = queues.webhooks;
      if (!queue) throw new Error("The webhooks queue URL is not set (WEBHOOKS_QUEUE_URL and WEBHOOKS_DLQ_URL on AWS)");
      const accountId = values.account ? await existingAccount() : undefined;
      const outbox = makeWebhookRecordStore(ddb, tableName);
      const result = await replayParkedWebhooks(
        { outbox, queue: makeWebhookQueue(sqs, queue.url, outbox) },
        { accountId, budgetMs: 10 * 60_000 },
      );
      return print({ ...(accountId ? { accountId } : {}), ...result });
    }
    default:
      throw new Error(`Unknown command "${noun} ${verb}"\n\n${USAGE}`);
  }
}

/** A page of logs as lines: time, status, recipient, sender, subject, id; then how to read on. */
function renderLogsPage(page: Awaited<ReturnType<typeof listLogs>>): string {
  const rows = page.Result.map((e) => [
    e.CreatedAt.replace("T", " ").slice(0, 19),
    e.Status,
    e.Address,
    e.Sender,
    e.Subject.slice(0, 40),
    e.MessageId,
  ]);
  const header = ["Created (UTC)", "Status", "To", "From", "Subject", "MessageId"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [
    line(header),
    ...rows.map(line),
    ...(rows.length === 0 ? ["(no messages)"] : []),
    ...(page.Cursor ? ["", `More: add --cursor ${page.Cursor}`] : []),
  ].join("\n");
}

main(process.argv.slice(2)).catch((error) => {
  console.error((error as Error).message);
  process.exit(1);
});

/** "true" or "false", as the usage says; anything else is refused rather than read as false. */
function booleanFlag(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value !== "true" && value !== "false") throw new Error(`--${name} takes true or false, not ${value}`);
  return value === "true";
}

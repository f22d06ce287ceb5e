// The whole platform in one stack, generated from functions/manifest.ts: one Lambda per route,
// consumer and schedule, one IAM role per distinct access; the table, bucket and queues they share; the mail transport; the SMTP
// ingest on Fargate (unless smtp=false); alarms and a dashboard; custom domains when given.
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import * as snsSubscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import { CONSUMERS, QUEUES, ROUTES, SCHEDULES, type ConsumerDef } from "../functions/manifest.ts";
import type { DataResources } from "./access-policy.ts";
import { CustomDomains } from "./constructs/custom-domains.ts";
import { HttpApi } from "./constructs/http-api.ts";
import { MailTransport } from "./constructs/mail-transport.ts";
import { FunctionRoles } from "./constructs/function-roles.ts";
import {
  bundleEntries,
  createManifestFunction,
  timeoutSeconds,
  type FunctionKind,
  type ManifestEntry,
} from "./constructs/manifest-function.ts";
import { Observability } from "./constructs/observability.ts";
import { Queues } from "./constructs/queues.ts";
import { suppressNagFindings } from "./nag-suppressions.ts";
import { SmtpIngest } from "./constructs/smtp-ingest.ts";
import { Storage } from "./constructs/storage.ts";
import type { DeploySettings } from "./settings.ts";

export interface PosthasteStackProps extends StackProps {
  settings: DeploySettings;
}

export class PosthasteStack extends Stack {
  constructor(scope: Construct, id: string, props: PosthasteStackProps) {
    super(scope, id, props);
    const { settings } = props;

    const alarmTopic = new sns.Topic(this, "AlarmTopic", { displayName: "Posthaste alarms", enforceSSL: true });
    if (settings.alarmEmail) alarmTopic.addSubscription(new snsSubscriptions.EmailSubscription(settings.alarmEmail));

    const storage = new Storage(this, "Storage", { deletionProtection: settings.deletionProtection });
    const queues = new Queues(this, "Queues", { alarmTopic });
    const transport = new MailTransport(this, "Transport", {
      settings,
      sesEventsQueue: queues.queues.sesEvents,
      sesEventsDeadLetterQueue: queues.deadLetterQueues.sesEvents,
    });
    const api = new HttpApi(this, "Http", { corsOrigins: settings.corsOrigins });
    if (settings.apiDomain || settings.linksDomain) new CustomDomains(this, "Domains", { api: api.api, stage: api.stage, settings });
    const linksUrl = settings.linksDomain ? `https://${settings.linksDomain}` : undefined;

    // Signs unsubscribe, web-version and tracking links; generated once, never leaves AWS.
    const linkSecret = new secretsmanager.Secret(this, "LinkSecret", {
      description: "Posthaste: HMAC secret for signed links",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: settings.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    // Encrypts the DKIM private keys of sending domains (shared/domains/dkim-keys.ts); generated once.
    const dkimKeySecret = new secretsmanager.Secret(this, "DkimKeyEncryptionKey", {
      description: "Posthaste: key-encryption secret of the sending domains' DKIM private keys",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: settings.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const data: DataResources = {
      tableArn: storage.table.tableArn,
      bucketArn: storage.bucket.bucketArn,
      queueArns: queues.arns(),
      sesConfigurationSetName: transport.configurationSetName,
    };
    const environment: Record<string, string> = {
      POSTHASTE_MODE: "aws",
      TABLE_NAME: storage.table.tableName,
      BUCKET_NAME: storage.bucket.bucketName,
      ...queues.urlEnvironment(),
      PUBLIC_URL: settings.publicUrl ?? linksUrl ?? api.url,
      ...(settings.sendingDomain ? { UNSUBSCRIBE_MAIL_DOMAIN: settings.sendingDomain } : {}),
      ...transport.environment,
    };
    // Lambda: the secrets' ARNs, never their values; read at cold start and again after their max
    // age (shared/secrets/refresh.ts), so a rotation needs no redeploy.
    const functionEnvironment = { ...environment, LINK_SECRET_ARN: linkSecret.secretArn };

    const functions = new Construct(this, "Functions");
    // Every function's bundle in one esbuild process, when this synth bundles at all.
    if (this.bundlingRequired) bundleEntries([...ROUTES, ...CONSUMERS, ...SCHEDULES].map((def) => def.entry));
    // One role per distinct access, shared by the functions that have it.
    const roles = new FunctionRoles(this, "FunctionRoles", { data, linkSecret, dkimKeySecret, relaySecret: transport.relaySecret });
    const created: lambda.Function[] = [];
    const create = (kind: FunctionKind, def: ManifestEntry) => {
      const fn = createManifestFunction(functions, {
        kind,
        def,
        role: roles.roleFor(def.access, "queue" in def ? def.queue : undefined),
        // Only the functions that seal or open DKIM keys are told where the key-encryption secret is.
        environment: def.access.dkimKeys
          ? { ...functionEnvironment, DKIM_KEY_ENCRYPTION_KEY_ARN: dkimKeySecret.secretArn }
          : functionEnvironment,
        senderEnvironment: transport.senderEnvironment,
      });
      created.push(fn);
      return fn;
    };

    for (const route of ROUTES) api.addRoute(route, create("route", route));

    for (const consumer of CONSUMERS) {
      assertFitsVisibilityTimeout(consumer);
      const maxConcurrency =
        consumer.queue === "deliveries" ? (settings.deliveryMaxConcurrency ?? consumer.maxConcurrency) : consumer.maxConcurrency;
      create("consumer", consumer).addEventSource(
        new SqsEventSource(queues.queues[consumer.queue], {
          batchSize: consumer.batchSize,
          // SQS needs a batching window for batches over 10 records.
          maxBatchingWindow: consumer.batchSize > 10 ? Duration.seconds(1) : undefined,
          reportBatchItemFailures: true,
          maxConcurrency,
        }),
      );
    }

    for (const schedule of SCHEDULES) {
      new events.Rule(functions, `${schedule.name}Schedule`, {
        description: `Posthaste schedule ${schedule.name}: every ${schedule.rate}`,
        schedule: events.Schedule.expression(`rate(${schedule.rate})`),
        // The next tick is the retry.
        targets: [new targets.LambdaFunction(create("schedule", schedule), { retryAttempts: 0 })],
      });
    }

    // smtp=false: no NLB, no Fargate service, no image to build (no Docker at deploy).
    const smtp = settings.smtp
      ? new SmtpIngest(this, "SmtpIngest", {
          data,
          environment: { ...environment, AWS_REGION: this.region },
          linkSecret,
          tlsCertSecretArn: settings.smtpTlsCertSecretArn,
          minTasks: settings.smtpIngestMinTasks,
          maxTasks: settings.smtpIngestMaxTasks,
        })
      : undefined;

    const observability = new Observability(this, "Observability", {
      alarmTopic,
      functions: created,
      api: api.api,
      deadLetterQueues: Object.values(queues.deadLetterQueues),
      smtpUnhealthyHosts: smtp?.unhealthyHosts,
    });
    suppressNagFindings(this);

    new CfnOutput(this, "ApiUrl", { description: "Base URL of the HTTP API", value: api.url });
    new CfnOutput(this, "PublicUrl", { description: "Base URL used in links inside messages", value: environment.PUBLIC_URL });
    new CfnOutput(this, "TableName", { value: storage.table.tableName });
    new CfnOutput(this, "BucketName", { value: storage.bucket.bucketName });
    new CfnOutput(this, "LinkSecretArn", { value: linkSecret.secretArn });
    new CfnOutput(this, "AlarmTopicArn", { description: "Subscribe to receive alarms", value: alarmTopic.topicArn });
    new CfnOutput(this, "DashboardName", { value: observability.dashboard.dashboardName });
    for (const name of Object.keys(QUEUES) as (keyof typeof QUEUES)[]) {
      const id = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
      const urlEnv = QUEUES[name].urlEnv;
      new CfnOutput(this, `${id}DeadLetterQueueArn`, {
        description: `Parked ${name} records; replay with: aws sqs start-message-move-task --source-arn <this>`,
        value: queues.deadLetterQueues[name].queueArn,
      });
      // The admin CLI's dlq and webhook replays read the URLs from these variables (docs/admin-cli.md).
      new CfnOutput(this, `${id}QueueUrl`, { description: urlEnv, value: queues.queues[name].queueUrl });
      new CfnOutput(this, `${id}DeadLetterQueueUrl`, {
        description: urlEnv.replace(/_QUEUE_URL$/, "_DLQ_URL"),
        value: queues.deadLetterQueues[name].queueUrl,
      });
    }
    if (transport.configurationSetName) {
      new CfnOutput(this, "SesConfigurationSet", { value: transport.configurationSetName });
    }
  }
}

/** Lambda refuses an SQS trigger whose visibility timeout is shorter than the function timeout. */
function assertFitsVisibilityTimeout(consumer: ConsumerDef) {
  const visibility = QUEUES[consumer.queue].visibilityTimeoutSeconds;
  const timeout = timeoutSeconds("consumer", consumer);
  if (timeout > visibility) {
    throw new Error(
      `Consumer ${consumer.name} times out after ${timeout}s, longer than the ${consumer.queue} queue's visibility timeout of ${visibility}s`,
    );
  }
}

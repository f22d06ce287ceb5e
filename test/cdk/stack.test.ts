// The AWS stack synthesized offline with the defaults of cdk.json (no context given), checked
// against the manifest: what the local runtime runs must all exist on AWS, locked down.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Match } from "aws-cdk-lib/assertions";
import { CONSUMERS, QUEUES, ROUTES, SCHEDULES, type Access, type QueueName } from "../../functions/manifest.ts";
import { SES_EVENTS } from "../../cdk/constructs/mail-transport.ts";
import { SES_IDENTITY_ACTIONS } from "../../cdk/access-policy.ts";
import { BUNDLE_BUDGET_BYTES, OVER_BUDGET_CEILINGS_BYTES } from "../../cdk/lambda-bundling.ts";
import { roleKey } from "../../cdk/constructs/function-roles.ts";
import { CONNECTIONS_PER_TASK, HEALTH_PORT, SMTP_INGEST_ACCESS, SMTP_PORTS } from "../../cdk/constructs/smtp-ingest.ts";
import { BUCKET_RETENTION_DAYS } from "../../cdk/constructs/storage.ts";
import { TABLE_SCHEMA } from "../../shared/store/table-schema.ts";
import {
  actionsOf,
  manifestFunction,
  ofType,
  refersTo,
  statementsOfRole,
  synthesize,
  targetOf,
  type Resource,
  type Synthesized,
} from "./synth.ts";

const ALL_FUNCTIONS = [
  ...ROUTES.map((def) => ({ kind: "route" as const, def })),
  ...CONSUMERS.map((def) => ({ kind: "consumer" as const, def })),
  ...SCHEDULES.map((def) => ({ kind: "schedule" as const, def })),
];
const DATA_WILDCARDS = /^(\*|dynamodb:\*|s3:\*|sqs:\*|sns:\*|ses:\*)$/i;

let synth: Synthesized;
let resources: Record<string, Resource>;

// Bundles every Lambda of the manifest with esbuild, a Node process each: minutes on a busy
// two-core machine (over 20 at a load average of 25).
beforeAll(() => {
  synth = synthesize();
  resources = synth.resources;
}, 900_000);
afterAll(() => synth?.cleanup());

/** The queue a function's environment names for a manifest queue. */
function queueId(name: QueueName): string {
  const [, fn] = manifestFunction(resources, ALL_FUNCTIONS[0].kind, ALL_FUNCTIONS[0].def);
  return targetOf(fn.Properties.Environment.Variables[QUEUES[name].urlEnv])!;
}

function roleIdOf(fn: Resource): string {
  return targetOf(fn.Properties.Role)!;
}

describe("functions from the manifest", () => {
  it.each(ROUTES)("routes $method $path to its own Lambda", (route) => {
    const [fnId] = manifestFunction(resources, "route", route);
    const integrations = ofType(resources, "AWS::ApiGatewayV2::Integration").filter(([, integration]) =>
      refersTo(integration.Properties.IntegrationUri, fnId),
    );
    expect(integrations).toHaveLength(1);
    const [integrationId, integration] = integrations[0];
    expect(integration.Properties).toMatchObject({ IntegrationType: "AWS_PROXY", PayloadFormatVersion: "2.0" });
    const routes = ofType(resources, "AWS::ApiGatewayV2::Route").filter(
      ([, r]) => r.Properties.RouteKey === `${route.method} ${route.path}`,
    );
    expect(routes).toHaveLength(1);
    expect(refersTo(routes[0][1].Properties.Target, integrationId)).toBe(true);
    // Its other method and path pairs reach the same function through the same integration.
    for (const extra of route.also ?? []) {
      const more = ofType(resources, "AWS::ApiGatewayV2::Route").filter(
        ([, r]) => r.Properties.RouteKey === `${extra.method} ${extra.path}`,
      );
      expect(more).toHaveLength(1);
      expect(refersTo(more[0][1].Properties.Target, integrationId)).toBe(true);
    }
  });

  it("stays under CloudFormation's 500 resources a stack", () => {
    expect(Object.keys(resources).length).toBeLessThanOrEqual(500);
  });

  it("creates no route the manifest does not list", () => {
    const keys = ofType(resources, "AWS::ApiGatewayV2::Route")
      .map(([, r]) => r.Properties.RouteKey)
      .sort();
    expect(keys).toEqual(ROUTES.flatMap((route) => [route, ...(route.also ?? [])].map(({ method, path }) => `${method} ${path}`)).sort());
  });

  it.each(CONSUMERS)("feeds the $queue queue to $name with partial batch responses and a concurrency cap", (consumer) => {
    const [fnId] = manifestFunction(resources, "consumer", consumer);
    const mappings = ofType(resources, "AWS::Lambda::EventSourceMapping").filter(([, m]) => refersTo(m.Properties.FunctionName, fnId));
    expect(mappings).toHaveLength(1);
    const mapping = mappings[0][1].Properties;
    expect(targetOf(mapping.EventSourceArn)).toBe(queueId(consumer.queue));
    expect(mapping).toMatchObject({
      BatchSize: consumer.batchSize,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: consumer.maxConcurrency },
    });
  });

  it.each(SCHEDULES)("runs $name on an EventBridge schedule every $rate", (schedule) => {
    const [fnId] = manifestFunction(resources, "schedule", schedule);
    const rules = ofType(resources, "AWS::Events::Rule").filter(([, rule]) => refersTo(rule.Properties.Targets, fnId));
    expect(rules).toHaveLength(1);
    expect(rules[0][1].Properties).toMatchObject({ ScheduleExpression: `rate(${schedule.rate})`, State: "ENABLED" });
  });

  it.each(ALL_FUNCTIONS)("runs $kind $def.name on Node.js 22, arm64, ESM bundle with source maps", ({ kind, def }) => {
    const [, fn] = manifestFunction(resources, kind, def);
    expect(fn.Properties).toMatchObject({
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      Timeout: expect.any(Number),
    });
    expect(fn.Properties.Environment.Variables).toMatchObject({ POSTHASTE_MODE: "aws" });
    // The bundle maps its stack traces itself, lazily: Node's flag would parse the map at every cold start.
    expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
    expect(fn.Properties.LoggingConfig.LogGroup).toBeDefined();
  });

  it("keeps every function's bundle within 500 KB, or under its recorded ceiling while over", () => {
    const assets = JSON.parse(readFileSync(path.join(synth.outdir, "PosthasteTest.assets.json"), "utf8")).files as Record<
      string,
      { source: { path: string }; destinations: Record<string, { objectKey: string }> }
    >;
    const bundleOf = (objectKey: string) =>
      Object.values(assets).find((a) => Object.values(a.destinations).some((d) => d.objectKey === objectKey));
    const tooLarge: string[] = [];
    for (const { kind, def } of ALL_FUNCTIONS) {
      const [, fn] = manifestFunction(resources, kind, def);
      const asset = bundleOf(fn.Properties.Code.S3Key);
      expect(asset, def.name).toBeDefined();
      const bytes = statSync(path.join(synth.outdir, asset!.source.path, "index.mjs")).size;
      const limit = OVER_BUDGET_CEILINGS_BYTES[def.name] ?? BUNDLE_BUDGET_BYTES;
      if (bytes > limit) tooLarge.push(`${def.name}: ${Math.round(bytes / 1024)} KB, limit ${limit / 1024} KB`);
    }
    expect(tooLarge).toEqual([]);
  });

  it("gives every function the link secret's ARN, and only the DKIM key users the key-encryption secret's, never a value", () => {
    const secretIdOf = (prefix: string) => ofType(resources, "AWS::SecretsManager::Secret").find(([id]) => id.startsWith(prefix))![0];
    const [linkSecretId, dkimSecretId] = [secretIdOf("LinkSecret"), secretIdOf("DkimKeyEncryptionKey")];
    for (const { kind, def } of ALL_FUNCTIONS) {
      const env = manifestFunction(resources, kind, def)[1].Properties.Environment.Variables;
      expect(env.LINK_SECRET).toBeUndefined();
      expect(env.DKIM_KEY_ENCRYPTION_KEY).toBeUndefined();
      expect(env.LINK_SECRET_ARN).toEqual({ Ref: linkSecretId });
      expect(env.DKIM_KEY_ENCRYPTION_KEY_ARN, def.name).toEqual(def.access.dkimKeys ? { Ref: dkimSecretId } : undefined);
    }
  });

  it("points PUBLIC_URL at the HTTP API when no custom URL is given", () => {
    const [apiId] = ofType(resources, "AWS::ApiGatewayV2::Api")[0];
    const [, fn] = manifestFunction(resources, ALL_FUNCTIONS[0].kind, ALL_FUNCTIONS[0].def);
    expect(fn.Properties.Environment.Variables.PUBLIC_URL).toEqual({ "Fn::GetAtt": [apiId, "ApiEndpoint"] });
  });
});

describe("HTTP API", () => {
  it("throttles and access-logs the default stage", () => {
    synth.template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: Match.anyValue(), ThrottlingRateLimit: Match.anyValue() },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp("\\$context.requestId") },
    });
  });

  it("has no CORS configuration unless origins are given", () => {
    const [, api] = ofType(resources, "AWS::ApiGatewayV2::Api")[0];
    expect(api.Properties.CorsConfiguration).toBeUndefined();
  });
});

describe("queues", () => {
  it.each(Object.keys(QUEUES) as QueueName[])("gives the %s queue a dead-letter queue and an alarm on its depth", (name) => {
    const id = queueId(name);
    const queue = resources[id].Properties;
    expect(queue).toMatchObject({
      VisibilityTimeout: QUEUES[name].visibilityTimeoutSeconds,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { maxReceiveCount: QUEUES[name].maxReceiveCount },
    });
    const dlqId = targetOf(queue.RedrivePolicy.deadLetterTargetArn)!;
    expect(resources[dlqId]).toMatchObject({ Type: "AWS::SQS::Queue", Properties: { SqsManagedSseEnabled: true } });
    const alarms = ofType(resources, "AWS::CloudWatch::Alarm").filter(([, alarm]) =>
      (alarm.Properties.Dimensions ?? []).some((d: { Name: string; Value: unknown }) => d.Name === "QueueName" && refersTo(d.Value, dlqId)),
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0][1].Properties).toMatchObject({
      MetricName: "ApproximateNumberOfMessagesVisible",
      Threshold: 1,
      AlarmActions: [expect.anything()],
    });
  });

  it("leaves no queue without a dead-letter queue (dead-letter queues aside)", () => {
    const queues = ofType(resources, "AWS::SQS::Queue");
    const deadLetterIds = new Set(queues.map(([, q]) => targetOf(q.Properties.RedrivePolicy?.deadLetterTargetArn)).filter(Boolean));
    for (const [id, queue] of queues) {
      if (!deadLetterIds.has(id)) expect(queue.Properties.RedrivePolicy, id).toBeDefined();
    }
    expect(queues).toHaveLength(2 * Object.keys(QUEUES).length);
  });

  it.each(Object.keys(QUEUES) as QueueName[])("prints the %s queue's URL and its dead-letter queue's URL for the admin CLI", (name) => {
    const outputs = synth.template.toJSON().Outputs as Record<string, { Description: string; Value: unknown }>;
    const queue = Object.values(outputs).find((o) => o.Description === QUEUES[name].urlEnv);
    const dlq = Object.values(outputs).find((o) => o.Description === QUEUES[name].urlEnv.replace(/_QUEUE_URL$/, "_DLQ_URL"));
    const id = queueId(name);
    expect(refersTo(queue?.Value, id)).toBe(true);
    expect(refersTo(dlq?.Value, targetOf(resources[id].Properties.RedrivePolicy.deadLetterTargetArn)!)).toBe(true);
  });

  it("refuses plain-HTTP access to every queue", () => {
    const policies = ofType(resources, "AWS::SQS::QueuePolicy");
    for (const [id] of ofType(resources, "AWS::SQS::Queue")) {
      const policy = policies.find(([, p]) => refersTo(p.Properties.Queues, id));
      expect(policy, id).toBeDefined();
      expect(policy![1].Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
    }
  });
});

describe("table and bucket", () => {
  it("builds the table from the shared schema, on demand, with TTL on expiresAt and point-in-time recovery", () => {
    const [[, table]] = ofType(resources, "AWS::DynamoDB::Table");
    expect(table.Properties).toMatchObject({
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: TABLE_SCHEMA.partitionKey.name, KeyType: "HASH" },
        { AttributeName: TABLE_SCHEMA.sortKey.name, KeyType: "RANGE" },
      ],
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table.DeletionPolicy).toBe("Retain");
    const indexes = table.Properties.GlobalSecondaryIndexes.map((gsi: { IndexName: string; KeySchema: unknown; Projection: unknown }) => ({
      indexName: gsi.IndexName,
      keys: gsi.KeySchema,
      projection: gsi.Projection,
    }));
    expect(indexes).toEqual(
      TABLE_SCHEMA.globalSecondaryIndexes.map((gsi) => ({
        indexName: gsi.indexName,
        keys: [
          { AttributeName: gsi.partitionKey.name, KeyType: "HASH" },
          { AttributeName: gsi.sortKey.name, KeyType: "RANGE" },
        ],
        projection: { ProjectionType: "KEYS_ONLY" },
      })),
    );
    const types = Object.fromEntries(
      table.Properties.AttributeDefinitions.map((a: { AttributeName: string; AttributeType: string }) => [
        a.AttributeName,
        a.AttributeType,
      ]),
    );
    for (const key of [
      TABLE_SCHEMA.partitionKey,
      TABLE_SCHEMA.sortKey,
      ...TABLE_SCHEMA.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey]),
    ]) {
      expect(types[key.name]).toBe(key.type);
    }
  });

  it("encrypts the bucket, blocks public access, enforces TLS and expires bodies and attachments", () => {
    const [[bucketId, bucket]] = ofType(resources, "AWS::S3::Bucket");
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    for (const [prefix, days] of Object.entries(BUCKET_RETENTION_DAYS)) {
      expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual(
        expect.objectContaining({ Prefix: prefix, ExpirationInDays: days, Status: "Enabled" }),
      );
    }
    const [[, policy]] = ofType(resources, "AWS::S3::BucketPolicy").filter(([, p]) => refersTo(p.Properties.Bucket, bucketId));
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
  });
});

describe("least privilege", () => {
  const policyDocuments = () => [
    ...ofType(resources, "AWS::IAM::Policy").map(([id, p]) => [id, p.Properties.PolicyDocument] as const),
    ...ofType(resources, "AWS::IAM::ManagedPolicy").map(([id, p]) => [id, p.Properties.PolicyDocument] as const),
    ...ofType(resources, "AWS::IAM::Role").flatMap(([id, role]) =>
      (role.Properties.Policies ?? []).map((p: { PolicyDocument: unknown }) => [id, p.PolicyDocument] as const),
    ),
  ];

  it("grants no `*` action on data services in any IAM statement", () => {
    const documents = policyDocuments();
    expect(documents.length).toBeGreaterThan(0);
    for (const [id, document] of documents) {
      for (const statement of (document as { Statement: unknown[] }).Statement) {
        for (const action of actionsOf(statement)) expect(action, `${id}: ${action}`).not.toMatch(DATA_WILDCARDS);
      }
    }
  });

  const cases = [
    ...ALL_FUNCTIONS.map(({ kind, def }) => ({
      label: `${kind} ${def.name}`,
      access: def.access,
      role: () => roleIdOf(manifestFunction(resources, kind, def)[1]),
    })),
    {
      label: "SMTP ingest task",
      access: SMTP_INGEST_ACCESS,
      role: () => targetOf(ofType(resources, "AWS::ECS::TaskDefinition")[0][1].Properties.TaskRoleArn)!,
    },
  ];

  it.each(cases)("lets the $label touch only what its access lists", ({ access, role }) => {
    const statements = statementsOfRole(resources, role());
    const allowing = (action: string) => statements.filter((s) => actionsOf(s).includes(action));
    const resourcesOf = (action: string) => allowing(action).flatMap((s) => [s.Resource].flat());
    const [tableId] = ofType(resources, "AWS::DynamoDB::Table")[0];
    const [bucketId] = ofType(resources, "AWS::S3::Bucket")[0];

    expect(allowing("dynamodb:Query").length).toBeGreaterThan(0);
    expect(resourcesOf("dynamodb:Query").every((r) => refersTo(r, tableId))).toBe(true);
    expect(allowing("dynamodb:PutItem").length > 0).toBe(access.table === "readwrite");

    expectBucketPrefixes(resourcesOf("s3:GetObject"), access, "read", bucketId);
    expectBucketPrefixes(resourcesOf("s3:PutObject"), access, "write", bucketId);

    const sendsTo = resourcesOf("sqs:SendMessage").map(targetOf).sort();
    expect(sendsTo).toEqual([...new Set(access.sendTo ?? [])].map(queueId).sort());
    expect(allowing("ses:SendEmail").length > 0).toBe(!!access.ses);
    for (const action of SES_IDENTITY_ACTIONS) expect(allowing(action).length > 0, action).toBe(!!access.sesIdentities);

    // Only the queue a consumer consumes: no function reads or empties a dead-letter queue (parked webhook records are table items).
    const receivesFrom = resourcesOf("sqs:ReceiveMessage").map(targetOf).sort();
    const consumes = ALL_FUNCTIONS.flatMap(({ kind, def }) =>
      kind === "consumer" && def.access === access ? [queueId((def as { queue: QueueName }).queue)] : [],
    );
    expect(receivesFrom).toEqual(consumes.sort());
    expect(resourcesOf("sqs:DeleteMessage").map(targetOf).sort()).toEqual(consumes.sort());
  });

  it("gives functions with the same access (and consumed queue) one shared role, and others none of it", () => {
    const byRole = new Map<string, Set<string>>();
    for (const { kind, def } of ALL_FUNCTIONS) {
      const role = roleIdOf(manifestFunction(resources, kind, def)[1]);
      byRole.set(role, new Set([...(byRole.get(role) ?? []), roleKey(def.access, "queue" in def ? def.queue : undefined)]));
    }
    // One access set per role, and one role per access set.
    for (const [role, keys] of byRole) expect([...keys], role).toHaveLength(1);
    const keys = [...byRole.values()].map((set) => [...set][0]);
    expect(new Set(keys).size).toBe(keys.length);
    expect(byRole.size).toBeLessThan(ALL_FUNCTIONS.length);
  });

  // Reading the logs, statistics, a message or the suppression list never needs to write: their
  // authentication counts the request rate in the container, not in the table.
  it.each(["GetMessage", "GetLogs", "GetStatistics", "GetSuppression", "ListSuppressions"])(
    "gives the read route %s no write action on the table",
    (name) => {
      const def = ROUTES.find((route) => route.name === name)!;
      expect(def.access.table).toBe("read");
      const actions = statementsOfRole(resources, roleIdOf(manifestFunction(resources, "route", def)[1])).flatMap(actionsOf);
      expect(actions).toContain("dynamodb:Query");
      for (const write of ["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "ConditionCheckItem"])
        expect(actions).not.toContain(`dynamodb:${write}`);
    },
  );
});

function expectBucketPrefixes(granted: unknown[], access: Access, action: "read" | "write", bucketId: string) {
  const expected = access.bucket?.actions.includes(action) ? access.bucket.prefixes.map((prefix) => `/${prefix}*`).sort() : [];
  const suffixes = granted.map((resource) => {
    expect(refersTo(resource, bucketId)).toBe(true);
    return (resource as { "Fn::Join": [string, unknown[]] })["Fn::Join"][1].at(-1);
  });
  expect(suffixes.sort()).toEqual(expected);
}

describe("SES transport (default)", () => {
  it("sends every SES event of the configuration set to SNS, and SNS to the SES-events queue", () => {
    const [[setId]] = ofType(resources, "AWS::SES::ConfigurationSet");
    const [[, destination]] = ofType(resources, "AWS::SES::ConfigurationSetEventDestination");
    expect(refersTo(destination.Properties.ConfigurationSetName, setId)).toBe(true);
    const { EventDestination } = destination.Properties;
    expect(EventDestination.Enabled).toBe(true);
    expect([...EventDestination.MatchingEventTypes].sort()).toEqual([...SES_EVENTS].sort());
    const topicId = targetOf(EventDestination.SnsDestination.TopicARN)!;
    const subscriptions = ofType(resources, "AWS::SNS::Subscription").filter(([, s]) => refersTo(s.Properties.TopicArn, topicId));
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0][1].Properties).toMatchObject({ Protocol: "sqs", RawMessageDelivery: true });
    expect(targetOf(subscriptions[0][1].Properties.Endpoint)).toBe(queueId("sesEvents"));
  });

  it("names the configuration set in the environment and keeps relay settings out", () => {
    const [setId] = ofType(resources, "AWS::SES::ConfigurationSet")[0];
    for (const { kind, def } of ALL_FUNCTIONS) {
      const env = manifestFunction(resources, kind, def)[1].Properties.Environment.Variables;
      expect(env).toMatchObject({ TRANSPORT: "ses", SES_CONFIGURATION_SET: { Ref: setId } });
      expect(env.SMTP_PASS).toBeUndefined();
    }
  });

  it("creates no sending identity when no sendingDomain is given", () => {
    expect(ofType(resources, "AWS::SES::EmailIdentity")).toHaveLength(0);
  });

  it("lets the domain functions make each tenant domain an SES identity (BYODKIM, custom MAIL FROM) and re-check it daily", () => {
    const [setId] = ofType(resources, "AWS::SES::ConfigurationSet")[0];
    const managing = ALL_FUNCTIONS.filter(({ def }) => def.access.sesIdentities).map(({ def }) => def.name);
    // The Infobip door's /email/1/domains routes run the same domains service.
    expect(managing.sort()).toEqual(["CreateDomain", "DeleteDomain", "InfobipDomains", "RecheckDomains", "VerifyDomain"]);
    for (const { kind, def } of ALL_FUNCTIONS.filter(({ def }) => def.access.sesIdentities)) {
      const [, fn] = manifestFunction(resources, kind, def);
      expect(fn.Properties.Environment.Variables).toMatchObject({ TRANSPORT: "ses", SES_CONFIGURATION_SET: { Ref: setId } });
      const statements = statementsOfRole(resources, roleIdOf(fn)).filter((s) => actionsOf(s).includes("ses:CreateEmailIdentity"));
      expect(statements).toHaveLength(1);
      expect(actionsOf(statements[0]).sort()).toEqual([...SES_IDENTITY_ACTIONS].sort());
      const granted = JSON.stringify(statements[0].Resource);
      expect(granted).toContain(":identity/*");
      expect(granted).toContain(":configuration-set/");
      expect(refersTo(statements[0].Resource, setId)).toBe(true);
    }
    const rule = ofType(resources, "AWS::Events::Rule").find(([, r]) => /RecheckDomains/.test(r.Properties.Description));
    expect(rule?.[1].Properties.ScheduleExpression).toBe("rate(1 day)");
  });
});

describe("SMTP ingest", () => {
  it.each(SMTP_PORTS)("listens on $listener with TCP passthrough to the container's $container", (port) => {
    const [[nlbId, nlb]] = ofType(resources, "AWS::ElasticLoadBalancingV2::LoadBalancer");
    expect(nlb.Properties).toMatchObject({ Type: "network", Scheme: "internet-facing" });
    const listeners = ofType(resources, "AWS::ElasticLoadBalancingV2::Listener").filter(([, l]) => l.Properties.Port === port.listener);
    expect(listeners).toHaveLength(1);
    const listener = listeners[0][1].Properties;
    expect(listener.Protocol).toBe("TCP");
    expect(refersTo(listener.LoadBalancerArn, nlbId)).toBe(true);
    const targetGroup = resources[targetOf(listener.DefaultActions[0].TargetGroupArn)!].Properties;
    expect(targetGroup).toMatchObject({
      Port: port.container,
      Protocol: "TCP",
      TargetType: "ip",
      HealthCheckProtocol: "HTTP",
      HealthCheckPort: String(HEALTH_PORT),
    });
    expect(targetGroup.TargetGroupAttributes).toContainEqual({ Key: "preserve_client_ip.enabled", Value: "true" });
  });

  it("runs the container on arm64 Fargate with the functions' environment and secrets from Secrets Manager", () => {
    const [[, task]] = ofType(resources, "AWS::ECS::TaskDefinition");
    expect(task.Properties).toMatchObject({
      RequiresCompatibilities: ["FARGATE"],
      RuntimePlatform: { CpuArchitecture: "ARM64", OperatingSystemFamily: "LINUX" },
    });
    const [container] = task.Properties.ContainerDefinitions;
    const env = Object.fromEntries(container.Environment.map((e: { Name: string; Value: unknown }) => [e.Name, e.Value]));
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining([
        "TABLE_NAME",
        "BUCKET_NAME",
        "PUBLIC_URL",
        "HEALTH_PORT",
        ...SMTP_PORTS.map((p) => p.env),
        ...Object.values(QUEUES).map((q) => q.urlEnv),
      ]),
    );
    expect(container.Secrets.map((s: { Name: string }) => s.Name)).toContain("LINK_SECRET");
    expect(container.PortMappings.map((p: { ContainerPort: number }) => p.ContainerPort).sort()).toEqual(
      [...SMTP_PORTS.map((p) => p.container), HEALTH_PORT].sort(),
    );
  });

  it("stages only the sources as the image's build context, with the Dockerfile the local runtime's code builds from", () => {
    const manifest = JSON.parse(readFileSync(path.join(synth.outdir, "PosthasteTest.assets.json"), "utf8"));
    const images = Object.values(manifest.dockerImages) as { source: { directory: string; dockerFile: string; platform: string } }[];
    expect(images).toHaveLength(1);
    expect(images[0].source).toMatchObject({ dockerFile: "functions/smtp-ingest/Dockerfile", platform: "linux/arm64" });
    const context = path.join(synth.outdir, images[0].source.directory);
    expect(readdirSync(context).sort()).toEqual(["functions", "local", "package-lock.json", "package.json", "shared", "tsconfig.json"]);
    expect(existsSync(path.join(context, "functions/smtp-ingest/Dockerfile"))).toBe(true);
  });

  it("runs no task, not even by scaling, until a TLS certificate is given", () => {
    const [[, service]] = ofType(resources, "AWS::ECS::Service");
    expect(service.Properties.DesiredCount).toBe(0);
    synth.template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", { MinCapacity: 0, MaxCapacity: 0 });
  });

  it("scales on CPU and on connections", () => {
    synth.template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", {
      PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" },
      }),
    });
    synth.template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", {
      PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: CONNECTIONS_PER_TASK,
        CustomizedMetricSpecification: {
          Metrics: [
            Match.objectLike({
              Id: "flows",
              MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: "ActiveFlowCount" }) }),
            }),
            Match.objectLike({
              Id: "tasks",
              MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: "HealthyHostCount" }) }),
            }),
            Match.objectLike({ Expression: "flows / tasks", ReturnData: true }),
          ],
        },
      }),
    });
  });

  it("admits SMTP and health checks to the tasks only from the load balancer", () => {
    const [[nlbId, nlb]] = ofType(resources, "AWS::ElasticLoadBalancingV2::LoadBalancer");
    const nlbGroupId = targetOf(nlb.Properties.SecurityGroups[0])!;
    expect(nlbId).toBeDefined();
    const ingress = ofType(resources, "AWS::EC2::SecurityGroupIngress").map(([, rule]) => rule.Properties);
    expect(ingress.map((rule) => rule.FromPort).sort()).toEqual([...SMTP_PORTS.map((p) => p.container), HEALTH_PORT].sort());
    for (const rule of ingress) expect(targetOf(rule.SourceSecurityGroupId)).toBe(nlbGroupId);
    const publicPorts = resources[nlbGroupId].Properties.SecurityGroupIngress.map((rule: { FromPort: number }) => rule.FromPort).sort();
    expect(publicPorts).toEqual(SMTP_PORTS.map((p) => p.listener).sort());
  });
});

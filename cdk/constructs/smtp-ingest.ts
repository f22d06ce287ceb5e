// The SMTP door: functions/smtp-ingest as a Fargate service behind a Network Load Balancer.
// The NLB passes TCP through on 587 and 465; the server terminates TLS itself with a
// certificate it reads from Secrets Manager and reloads when the secret changes (no restart, no
// dropped session), and sees the client's IP (for account IP allowlists).
import { CfnOutput, Duration, IgnoreMode, RemovalPolicy, Stack } from "aws-cdk-lib";
import type * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as appscaling from "aws-cdk-lib/aws-applicationautoscaling";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecrAssets from "aws-cdk-lib/aws-ecr-assets";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import type { Access } from "../../functions/manifest.ts";
import { accessStatements, type DataResources } from "../access-policy.ts";
import { REPO_ROOT } from "../paths.ts";

/** What the SMTP ingest touches: the same accept path as POST /email/messages, plus attachments. */
export const SMTP_INGEST_ACCESS: Access = {
  table: "readwrite",
  bucket: { prefixes: ["bodies/", "files/"], actions: ["write"] },
  sendTo: ["deliveries", "webhooks"],
};

/** Public listener port -> container port. Fargate forbids non-root binds below 1024, hence the offset. */
export const SMTP_PORTS = [
  { name: "Submission", listener: 587, container: 2587, env: "SMTP_STARTTLS_PORT" },
  { name: "Smtps", listener: 465, container: 2465, env: "SMTP_TLS_PORT" },
] as const;
export const HEALTH_PORT = 8080;
export const HEALTH_PATH = "/health";

/**
 * The build context is the repository root, reduced to what the Dockerfile copies: the image
 * is rebuilt only when those files change (mirrors functions/smtp-ingest/Dockerfile.dockerignore).
 */
export const DOCKER_CONTEXT = ["*", "!package.json", "!package-lock.json", "!tsconfig.json", "!functions", "!shared", "!local"];

/** Open SMTP sessions a task should hold on average; CPU tracking covers heavy messages. */
export const CONNECTIONS_PER_TASK = 200;

export interface SmtpIngestProps {
  data: DataResources;
  /** The same environment the Lambdas read (table, bucket, queues, links...). */
  environment: Record<string, string>;
  linkSecret: secretsmanager.ISecret;
  /** Secret with JSON {cert, key}; without it the service is created with no running task. */
  tlsCertSecretArn?: string;
  minTasks: number;
  maxTasks: number;
}

/** The task's CPU (1,024 units a vCPU): half a vCPU carries one worker process. */
const TASK_CPU_UNITS = 512;

export class SmtpIngest extends Construct {
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly service: ecs.FargateService;
  /** Each target group's unhealthy tasks, for the alarms (cdk/constructs/observability.ts). */
  readonly unhealthyHosts: cloudwatch.IMetric[] = [];

  constructor(scope: Construct, id: string, props: SmtpIngestProps) {
    super(scope, id);

    // Public subnets and no NAT gateway: tasks reach AWS APIs through the internet gateway and
    // the free S3/DynamoDB gateway endpoints; their security group only admits the NLB.
    const vpc = new ec2.Vpc(this, "Vpc", {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      restrictDefaultSecurityGroup: false,
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    const cluster = new ecs.Cluster(this, "Cluster", { vpc });

    const taskDefinition = new ecs.FargateTaskDefinition(this, "Task", {
      cpu: TASK_CPU_UNITS,
      memoryLimitMiB: 1024,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    for (const statement of accessStatements(SMTP_INGEST_ACCESS, props.data)) taskDefinition.addToTaskRolePolicy(statement);

    const tlsSecret = props.tlsCertSecretArn
      ? secretsmanager.Secret.fromSecretCompleteArn(this, "TlsCertificate", props.tlsCertSecretArn)
      : undefined;
    const container = taskDefinition.addContainer("smtp", {
      // Staging at synth only copies the context; the image is built by `cdk deploy` (needs Docker there).
      image: ecs.ContainerImage.fromAsset(REPO_ROOT, {
        file: "functions/smtp-ingest/Dockerfile",
        platform: ecrAssets.Platform.LINUX_ARM64,
        exclude: DOCKER_CONTEXT,
        ignoreMode: IgnoreMode.DOCKER,
      }),
      environment: {
        ...props.environment,
        ...Object.fromEntries(SMTP_PORTS.map((port) => [port.env, String(port.container)])),
        HEALTH_PORT: String(HEALTH_PORT),
        // One worker a whole vCPU of the task: Node sees the host's cores, not the task's share.
        SMTP_WORKERS: String(Math.max(1, Math.floor(TASK_CPU_UNITS / 1024))),
        // Read by the container itself, and again every few minutes: a renewed certificate is served without a restart.
        ...(tlsSecret ? { TLS_CERT_SECRET_ARN: tlsSecret.secretArn } : {}),
        NODE_OPTIONS: "--enable-source-maps",
      },
      // Injected by ECS from Secrets Manager at task start; the values never appear in the task definition.
      secrets: {
        LINK_SECRET: ecs.Secret.fromSecretsManager(props.linkSecret),
      },
      portMappings: [...SMTP_PORTS.map((port) => ({ containerPort: port.container })), { containerPort: HEALTH_PORT }],
      healthCheck: {
        command: [
          "CMD",
          "node",
          "-e",
          `fetch('http://127.0.0.1:${HEALTH_PORT}${HEALTH_PATH}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
        ],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(20),
      },
      // Lets open sessions finish after the NLB stops sending new ones.
      stopTimeout: Duration.seconds(60),
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: "smtp-ingest",
        logGroup: new logs.LogGroup(this, "Logs", { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      }),
    });

    tlsSecret?.grantRead(taskDefinition.taskRole);

    const nlbSecurityGroup = new ec2.SecurityGroup(this, "NlbSecurityGroup", { vpc, description: "SMTP submission from anywhere" });
    const taskSecurityGroup = new ec2.SecurityGroup(this, "TaskSecurityGroup", { vpc, description: "SMTP ingest tasks: only via the NLB" });
    for (const port of SMTP_PORTS) {
      nlbSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port.listener), `SMTP ${port.listener}`);
      taskSecurityGroup.addIngressRule(nlbSecurityGroup, ec2.Port.tcp(port.container), `SMTP ${port.listener} via the NLB`);
    }
    taskSecurityGroup.addIngressRule(nlbSecurityGroup, ec2.Port.tcp(HEALTH_PORT), "NLB health checks");

    const running = tlsSecret ? props.minTasks : 0;
    this.service = new ecs.FargateService(this, "Service", {
      cluster,
      taskDefinition,
      desiredCount: running,
      assignPublicIp: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [taskSecurityGroup],
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: Duration.seconds(60),
    });

    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, "Nlb", {
      vpc,
      internetFacing: true,
      crossZoneEnabled: true,
      securityGroups: [nlbSecurityGroup],
    });
    let firstTargetGroup: elbv2.NetworkTargetGroup | undefined;
    for (const port of SMTP_PORTS) {
      const listener = this.loadBalancer.addListener(`${port.name}Listener`, { port: port.listener, protocol: elbv2.Protocol.TCP });
      const targetGroup = listener.addTargets(`${port.name}Targets`, {
        port: port.container,
        protocol: elbv2.Protocol.TCP,
        targets: [this.service.loadBalancerTarget({ containerName: container.containerName, containerPort: port.container })],
        preserveClientIp: true,
        deregistrationDelay: Duration.seconds(60),
        healthCheck: {
          protocol: elbv2.Protocol.HTTP,
          port: String(HEALTH_PORT),
          path: HEALTH_PATH,
          interval: Duration.seconds(10),
          healthyThresholdCount: 2,
          unhealthyThresholdCount: 2,
        },
      });
      firstTargetGroup ??= targetGroup;
      this.unhealthyHosts.push(targetGroup.metrics.unHealthyHostCount({ period: Duration.minutes(1), statistic: "Maximum" }));
    }

    // Without a certificate nothing may start, not even by scaling.
    const scaling = this.service.autoScaleTaskCount({
      minCapacity: running,
      maxCapacity: tlsSecret ? Math.max(props.maxTasks, running) : 0,
    });
    scaling.scaleOnCpuUtilization("Cpu", {
      targetUtilizationPercent: 60,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.minutes(5),
    });
    trackConnectionsPerTask(scaling, this.loadBalancer, firstTargetGroup!);

    new CfnOutput(Stack.of(this), "SmtpHost", {
      description: "Point a CNAME (e.g. smtp.<your domain>, matching the TLS certificate) at this name",
      value: this.loadBalancer.loadBalancerDnsName,
    });
    if (!tlsSecret) {
      new CfnOutput(Stack.of(this), "SmtpIngestDisabled", {
        description: "No TLS certificate was given, so no SMTP task runs",
        value: "Deploy again with -c smtpTlsCertSecretArn=<secret with JSON {cert, key}> to start the SMTP ingest",
      });
    }
  }
}

/**
 * Target tracking on active connections per healthy task: the NLB's ActiveFlowCount divided by
 * the target group's HealthyHostCount. The L2 API takes a single metric only, so the policy's
 * metric is replaced with the metric-math form CloudFormation accepts.
 */
function trackConnectionsPerTask(scaling: ecs.ScalableTaskCount, nlb: elbv2.NetworkLoadBalancer, targetGroup: elbv2.NetworkTargetGroup) {
  const placeholder = nlb.metrics.activeFlowCount({ period: Duration.minutes(1), statistic: "Average" });
  scaling.scaleToTrackCustomMetric("ConnectionsPerTask", {
    metric: placeholder,
    targetValue: CONNECTIONS_PER_TASK,
    scaleOutCooldown: Duration.seconds(60),
    scaleInCooldown: Duration.minutes(5),
  });
  const path = "TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification";
  // scaleToTrackCustomMetric returns nothing; the policy is the scaling target's child of that id.
  const policy = scaling.node
    .findAll()
    .find((child) => child instanceof appscaling.TargetTrackingScalingPolicy && child.node.id === "ConnectionsPerTask");
  const cfn = policy!.node.defaultChild as appscaling.CfnScalingPolicy;
  for (const field of ["MetricName", "Namespace", "Statistic", "Dimensions", "Unit"]) cfn.addPropertyDeletionOverride(`${path}.${field}`);
  const loadBalancer = { Name: "LoadBalancer", Value: nlb.loadBalancerFullName };
  cfn.addPropertyOverride(`${path}.Metrics`, [
    {
      Id: "flows",
      MetricStat: { Metric: { Namespace: "AWS/NetworkELB", MetricName: "ActiveFlowCount", Dimensions: [loadBalancer] }, Stat: "Average" },
      ReturnData: false,
    },
    {
      Id: "tasks",
      MetricStat: {
        Metric: {
          Namespace: "AWS/NetworkELB",
          MetricName: "HealthyHostCount",
          Dimensions: [loadBalancer, { Name: "TargetGroup", Value: targetGroup.targetGroupFullName }],
        },
        Stat: "Maximum",
      },
      ReturnData: false,
    },
    // With no healthy task the division yields no data point, and the policy waits.
    { Id: "flowsPerTask", Expression: "flows / tasks", Label: "Active SMTP connections per task", ReturnData: true },
  ]);
}

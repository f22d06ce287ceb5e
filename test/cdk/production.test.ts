// What an AWS engineer checks in the template before the first customer: cdk-nag's AwsSolutions
// pack finds nothing left unexplained, secrets are never in an environment, every alarm and the
// dashboard are there, the throttles tell one story, and smtp=false deploys without Docker.
// Configuration only: these synths skip bundling (stack.test.ts bundles every function).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { App, Validations, cx_api as cxapi } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, describe, expect, it } from "vitest";
import { CONSUMERS, ROUTES } from "../../functions/manifest.ts";
import { API_THROTTLE, isPublicLinkRoute, LINK_ROUTE_THROTTLE } from "../../cdk/constructs/http-api.ts";
import { ACKNOWLEDGED } from "../../cdk/nag-suppressions.ts";
import { fromRoot } from "../../cdk/paths.ts";
import { PosthasteStack } from "../../cdk/posthaste-stack.ts";
import { readSettings } from "../../cdk/settings.ts";
import { DEFAULT_RATE_PER_SECOND } from "../../shared/store/rate-limit.ts";
import { actionsOf, manifestFunction, ofType, statementsOfRole, type Resource } from "./synth.ts";

interface Checked {
  resources: Record<string, Resource>;
  /** The cdk-nag findings not acknowledged, as "rule at path". */
  findings: string[];
  dockerImages: number;
}

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** Synthesizes with the AwsSolutions pack, as `cdk synth` would with the plugin added. */
function synthesizeChecked(context: Record<string, unknown>): Checked {
  const outdir = mkdtempSync(path.join(os.tmpdir(), "posthaste-nag-"));
  outdirs.push(outdir);
  const cdkJson = JSON.parse(readFileSync(fromRoot("cdk.json"), "utf8"));
  const app = new App({ outdir, context: { ...cdkJson.context, ...context, [cxapi.BUNDLING_STACKS]: [] } });
  new PosthasteStack(app, "PosthasteNag", { settings: readSettings((key) => app.node.tryGetContext(key)) });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let findings: string[] = [];
  try {
    app.synth();
  } catch {
    const report = JSON.parse(readFileSync(path.join(outdir, "validation-report.json"), "utf8"));
    findings = collectViolations(report);
  }
  const assets = JSON.parse(readFileSync(path.join(outdir, "PosthasteNag.assets.json"), "utf8"));
  return {
    resources: Template.fromJSON(JSON.parse(readFileSync(path.join(outdir, "PosthasteNag.template.json"), "utf8"))).toJSON().Resources,
    findings,
    dockerImages: Object.keys(assets.dockerImages ?? {}).length,
  };
}

function collectViolations(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) collectViolations(item, out);
  else if (value && typeof value === "object") {
    const rule = value as { ruleName?: string; violatingConstructs?: { constructPath: string }[] };
    if (rule.ruleName) for (const c of rule.violatingConstructs ?? []) out.push(`${rule.ruleName} at ${c.constructPath}`);
    else for (const item of Object.values(value)) collectViolations(item, out);
  }
  return out;
}

const full = synthesizeChecked({ smtpTlsCertSecretArn: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:posthaste/tls-AbCdEf" });
const small = synthesizeChecked({
  smtp: "false",
  apiDomain: "api.example.com",
  linksDomain: "links.example.com",
  hostedZoneName: "example.com",
  hostedZoneId: "Z0123456789ABC",
});

describe("cdk-nag (AwsSolutions)", () => {
  it.each([
    ["with the SMTP door", full],
    ["with smtp=false and own domains", small],
  ])("finds nothing unacknowledged %s", (_, checked) => {
    expect(checked.findings).toEqual([]);
  });

  it("gives every acknowledged finding a one-line reason", () => {
    for (const [id, reason] of Object.entries(ACKNOWLEDGED)) {
      expect(id).toMatch(/^AwsSolutions-/);
      expect(reason.length).toBeGreaterThan(30);
      expect(reason).not.toContain("\n");
    }
  });
});

describe("secrets", () => {
  it.each([
    ["with the SMTP door", full],
    ["with smtp=false", small],
  ])("puts no secret value in any function's or container's environment %s", (_, { resources }) => {
    const environments = [
      ...ofType(resources, "AWS::Lambda::Function").map(([, fn]) => fn.Properties.Environment?.Variables ?? {}),
      ...ofType(resources, "AWS::ECS::TaskDefinition").flatMap(([, task]) =>
        task.Properties.ContainerDefinitions.map((c: { Environment?: { Name: string; Value: unknown }[] }) =>
          Object.fromEntries((c.Environment ?? []).map((e) => [e.Name, e.Value])),
        ),
      ),
    ];
    expect(environments.length).toBeGreaterThan(10);
    for (const env of environments) {
      expect(Object.keys(env).filter((name) => /^(LINK_SECRET|SMTP_PASS|SMTP_USER|TLS_KEY_PEM|TLS_CERT_PEM)$/.test(name))).toEqual([]);
      expect(JSON.stringify(env)).not.toContain("resolve:secretsmanager");
    }
  });
});

describe("SES pacing", () => {
  it("lets the sending function read the account's SES rate and quota (GetAccount), and no other function", () => {
    const sender = CONSUMERS.find((consumer) => consumer.access.ses)!;
    const [, fn] = manifestFunction(full.resources, "consumer", sender);
    const actionsOfFn = (f: Resource) => statementsOfRole(full.resources, f.Properties.Role["Fn::GetAtt"][0]).flatMap(actionsOf);
    expect(actionsOfFn(fn)).toContain("ses:GetAccount");
    const others = ofType(full.resources, "AWS::Lambda::Function").filter(([, other]) => other !== fn);
    for (const [, other] of others) expect(actionsOfFn(other)).not.toContain("ses:GetAccount");
  });
});

describe("smtp=false", () => {
  it("deploys no NLB, no Fargate service and no Docker image", () => {
    expect(small.dockerImages).toBe(0);
    for (const type of ["AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ECS::Service", "AWS::ECS::Cluster", "AWS::EC2::VPC"]) {
      expect(ofType(small.resources, type)).toEqual([]);
    }
  });

  it("keeps them by default", () => {
    expect(full.dockerImages).toBe(1);
    expect(ofType(full.resources, "AWS::ElasticLoadBalancingV2::LoadBalancer")).toHaveLength(1);
  });
});

describe("alarms and the dashboard", () => {
  const alarms = (resources: Record<string, Resource>) => ofType(resources, "AWS::CloudWatch::Alarm").map(([, a]) => a.Properties);
  const named = (resources: Record<string, Resource>, metric: string) => alarms(resources).filter((a) => a.MetricName === metric);

  it("alarms on SES bounce rate above 5% and complaint rate above 0.1%", () => {
    expect(named(full.resources, "Reputation.BounceRate")).toEqual([expect.objectContaining({ Namespace: "AWS/SES", Threshold: 0.05 })]);
    expect(named(full.resources, "Reputation.ComplaintRate")).toEqual([
      expect.objectContaining({ Namespace: "AWS/SES", Threshold: 0.001 }),
    ]);
  });

  it("alarms on each function's errors and throttles, the API's 5xx and a paused delivery", () => {
    const functions = ofType(full.resources, "AWS::Lambda::Function").length;
    // One alarm per function on its errors plus its throttles.
    const failures = alarms(full.resources).filter((a) => a.Metrics?.some((m: { Expression?: string }) => m.Expression));
    expect(failures).toHaveLength(functions);
    for (const alarm of failures) {
      const names = alarm.Metrics.flatMap((m: { MetricStat?: { Metric: { MetricName: string } } }) =>
        m.MetricStat ? [m.MetricStat.Metric.MetricName] : [],
      );
      expect(names.sort()).toEqual(["Errors", "Throttles"]);
    }
    expect(named(full.resources, "5xx")).toHaveLength(1);
    expect(named(full.resources, "DeliveryPaused")).toEqual([expect.objectContaining({ Namespace: "Posthaste" })]);
  });

  it("alarms on the SMTP door's unhealthy hosts and its certificate's expiry, only when there is one", () => {
    expect(named(full.resources, "UnHealthyHostCount").length).toBeGreaterThanOrEqual(1);
    expect(named(full.resources, "SmtpCertificateDaysToExpiry")).toEqual([expect.objectContaining({ Threshold: 21 })]);
    expect(named(small.resources, "UnHealthyHostCount")).toEqual([]);
  });

  it("sends every alarm to the alarm topic", () => {
    for (const alarm of alarms(full.resources)) expect(alarm.AlarmActions).toHaveLength(1);
  });

  it("has one dashboard", () => {
    expect(ofType(full.resources, "AWS::CloudWatch::Dashboard")).toHaveLength(1);
    expect(ofType(small.resources, "AWS::CloudWatch::Dashboard")).toHaveLength(1);
  });

  it("traces every function with X-Ray", () => {
    for (const [, fn] of ofType(full.resources, "AWS::Lambda::Function")) expect(fn.Properties.TracingConfig).toEqual({ Mode: "Active" });
  });
});

describe("one throttle story", () => {
  const [[, stage]] = ofType(full.resources, "AWS::ApiGatewayV2::Stage");

  it("sets the stage above the per-account limit, so callers meet the application's 429 with Retry-After first", () => {
    expect(stage.Properties.DefaultRouteSettings.ThrottlingRateLimit).toBe(API_THROTTLE.rateLimit);
    expect(API_THROTTLE.rateLimit).toBeGreaterThan(DEFAULT_RATE_PER_SECOND);
  });

  it("puts each public link route on its own budget, and no tenant route", () => {
    const links = ROUTES.filter(isPublicLinkRoute).map((route) => `${route.method} ${route.path}`);
    expect(links).toEqual(expect.arrayContaining(["GET /t/o/{token}", "GET /t/c/{token}", "GET /w/{token}"]));
    expect(Object.keys(stage.Properties.RouteSettings).sort()).toEqual([...new Set(links)].sort());
    for (const settings of Object.values(stage.Properties.RouteSettings)) {
      expect(settings).toEqual({
        ThrottlingRateLimit: LINK_ROUTE_THROTTLE.rateLimit,
        ThrottlingBurstLimit: LINK_ROUTE_THROTTLE.burstLimit,
      });
    }
  });
});

describe("own domains", () => {
  it("serves the API and the links on their domains, with a DNS-validated certificate and alias records", () => {
    const domains = ofType(small.resources, "AWS::ApiGatewayV2::DomainName").map(([, d]) => d.Properties.DomainName);
    expect(domains.sort()).toEqual(["api.example.com", "links.example.com"]);
    expect(ofType(small.resources, "AWS::CertificateManager::Certificate")).toHaveLength(1);
    expect(ofType(small.resources, "AWS::Route53::RecordSet")).toHaveLength(2);
  });

  it("puts the links domain in the links of messages", () => {
    for (const [, fn] of ofType(small.resources, "AWS::Lambda::Function")) {
      expect(fn.Properties.Environment.Variables.PUBLIC_URL).toBe("https://links.example.com");
    }
  });
});

// The stack with every context parameter set: an SMTP relay instead of SES, a TLS certificate
// for the SMTP ingest, a sending domain, CORS, a custom public URL and no deletion protection.
// Configuration only, so these synths skip bundling (stack.test.ts bundles every function).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSUMERS, ROUTES } from "../../functions/manifest.ts";
import { actionsOf, manifestFunction, ofType, statementsOfRole, synthesize, type Resource, type Synthesized } from "./synth.ts";

const RELAY_SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:posthaste/relay-AbCdEf";
const TLS_SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:posthaste/smtp-tls-GhIjKl";

let synth: Synthesized;
let resources: Record<string, Resource>;

beforeAll(() => {
  synth = synthesize(
    {
      transport: "smtp",
      smtpRelaySecretArn: RELAY_SECRET,
      smtpRelaySecure: "true",
      smtpTlsCertSecretArn: TLS_SECRET,
      sendingDomain: "mail.example.com",
      corsOrigins: "https://app.example.com, https://admin.example.com",
      publicUrl: "https://mail-api.example.com/",
      deletionProtection: "false",
      deliveryMaxConcurrency: "5",
      smtpIngestMinTasks: "2",
    },
    { bundle: false },
  );
  resources = synth.resources;
});
afterAll(() => synth?.cleanup());

const sender = CONSUMERS.find((consumer) => consumer.access.ses)!;
const nonSender = ROUTES.find((route) => !route.access.ses)!;

describe("SMTP relay transport", () => {
  it("hands only the sending functions the relay secret's ARN, and the right to read it; no login in any environment", () => {
    const [senderId, senderFn] = manifestFunction(resources, "consumer", sender);
    const env = senderFn.Properties.Environment.Variables;
    expect(env).toMatchObject({ TRANSPORT: "smtp", SMTP_RELAY_SECRET_ARN: RELAY_SECRET, SMTP_SECURE: "true", SMTP_FINAL_HOP: "false" });
    for (const name of ["SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASS"]) expect(env[name]).toBeUndefined();
    const roleId = senderFn.Properties.Role["Fn::GetAtt"][0];
    const reads = statementsOfRole(resources, roleId).filter((s: { Action: unknown }) =>
      actionsOf(s).includes("secretsmanager:GetSecretValue"),
    );
    expect(JSON.stringify(reads)).toContain(RELAY_SECRET);
    expect(senderId).toBeDefined();
    const other = manifestFunction(resources, "route", nonSender)[1].Properties.Environment.Variables;
    expect(other.TRANSPORT).toBe("smtp");
    expect(other.SMTP_RELAY_SECRET_ARN).toBeUndefined();
  });

  it("creates no SES configuration set and grants no SES action", () => {
    expect(ofType(resources, "AWS::SES::ConfigurationSet")).toHaveLength(0);
    const actions = ofType(resources, "AWS::IAM::Policy").flatMap(([, p]) => p.Properties.PolicyDocument.Statement.flatMap(actionsOf));
    expect(actions.filter((action: string) => action.startsWith("ses:"))).toEqual([]);
  });
});

describe("context parameters", () => {
  it("paces delivery with deliveryMaxConcurrency", () => {
    const [fnId] = manifestFunction(resources, "consumer", CONSUMERS.find((c) => c.queue === "deliveries")!);
    const [[, mapping]] = ofType(resources, "AWS::Lambda::EventSourceMapping").filter(([, m]) => m.Properties.FunctionName.Ref === fnId);
    expect(mapping.Properties.ScalingConfig).toEqual({ MaximumConcurrency: 5 });
  });

  it("allows the given CORS origins", () => {
    const [[, api]] = ofType(resources, "AWS::ApiGatewayV2::Api");
    expect(api.Properties.CorsConfiguration.AllowOrigins).toEqual(["https://app.example.com", "https://admin.example.com"]);
  });

  it("uses the custom public URL in links", () => {
    const env = manifestFunction(resources, "route", ROUTES[0])[1].Properties.Environment.Variables;
    expect(env.PUBLIC_URL).toBe("https://mail-api.example.com");
  });

  it("lets the table and bucket be deleted with the stack", () => {
    const [[, table]] = ofType(resources, "AWS::DynamoDB::Table");
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
    expect(table.DeletionPolicy).toBe("Delete");
    expect(ofType(resources, "AWS::S3::Bucket")[0][1].DeletionPolicy).toBe("Delete");
  });

  it("uses the sending domain for the List-Unsubscribe mailto address", () => {
    const env = manifestFunction(resources, "route", ROUTES[0])[1].Properties.Environment.Variables;
    expect(env.UNSUBSCRIBE_MAIL_DOMAIN).toBe("mail.example.com");
  });

  it("starts the SMTP ingest with the TLS certificate's secret to read (and reload) itself", () => {
    const [[, service]] = ofType(resources, "AWS::ECS::Service");
    expect(service.Properties.DesiredCount).toBe(2);
    synth.template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", { MinCapacity: 2, MaxCapacity: 4 });
    const [[, task]] = ofType(resources, "AWS::ECS::TaskDefinition");
    const [container] = task.Properties.ContainerDefinitions;
    const env = Object.fromEntries(container.Environment.map((e: { Name: string; Value: unknown }) => [e.Name, e.Value]));
    expect(env.TLS_CERT_SECRET_ARN).toBe(TLS_SECRET);
    // One worker process for the task's half vCPU, not one for each core of the host Node sees.
    expect(task.Properties.Cpu).toBe("512");
    expect(env.SMTP_WORKERS).toBe("1");
    expect(container.Secrets.map((s: { Name: string }) => s.Name)).not.toContain("TLS_KEY_PEM");
    const roleId = task.Properties.TaskRoleArn["Fn::GetAtt"][0];
    expect(JSON.stringify(statementsOfRole(resources, roleId))).toContain(TLS_SECRET);
  });
});

describe("SES transport with a sending domain", () => {
  let withDomain: Synthesized;
  beforeAll(() => {
    withDomain = synthesize({ sendingDomain: "Example.com" }, { bundle: false });
  });
  afterAll(() => withDomain?.cleanup());

  it("creates the domain identity with Easy DKIM, the configuration set and a custom MAIL FROM", () => {
    const [[setId]] = ofType(withDomain.resources, "AWS::SES::ConfigurationSet");
    const [[, identity]] = ofType(withDomain.resources, "AWS::SES::EmailIdentity");
    expect(identity.Properties).toMatchObject({
      EmailIdentity: "example.com",
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: setId } },
      MailFromAttributes: { MailFromDomain: "mail.example.com" },
    });
    const outputs = Object.keys(withDomain.template.toJSON().Outputs).filter((name) => name.includes("DkimRecord"));
    expect(outputs).toHaveLength(3);
  });
});

// The cdk-nag AwsSolutions findings Posthaste keeps, each acknowledged with its reason
// (test/cdk/nag.test.ts runs the pack; every other finding is fixed where it was raised).
import { type Stack, Validations } from "aws-cdk-lib";

/** Rule id -> why the finding stays. */
export const ACKNOWLEDGED: Record<string, string> = {
  "AwsSolutions-APIG4":
    "Tenant routes authenticate with API keys in the application (shared/http/auth.ts); link routes are public by design.",
  "AwsSolutions-S1": "Only the stack's own functions touch the bucket, with per-prefix IAM; an access-log bucket would log nothing else.",
  "AwsSolutions-SMG4":
    "Rotating the link secret would break links in mail already sent; it is read by ARN with a max age, so a manual put-secret-value needs no redeploy.",
  "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]":
    "The managed policy grants only log writes, to the function's own log group.",
  "AwsSolutions-IAM5[Resource::*]": "X-Ray's PutTraceSegments and SES's GetAccount name no resource.",
  "AwsSolutions-IAM5[Resource::<StorageTableB43FDCE7.Arn>/index/*]":
    "The table's own indexes (pending, byAccount), read by the functions that query them.",
  "AwsSolutions-IAM5[Resource::<StorageBucket5CB7C8EA.Arn>/bodies/*]": "Message bodies are keyed by submission id under one prefix.",
  "AwsSolutions-IAM5[Resource::<StorageBucket5CB7C8EA.Arn>/files/*]": "Uploaded files are keyed by account and file id under one prefix.",
  "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]":
    "Tenants verify their own sending domains: any identity of the account, through the one configuration set.",
  "AwsSolutions-L1": "Node.js 22 is the runtime the bundle targets (cdk/lambda-bundling.ts) and the tests run on; moved with it.",
  "AwsSolutions-VPC7": "The VPC carries only the SMTP door's tasks behind the NLB; sessions are logged by the application.",
  "AwsSolutions-ECS4":
    "Container Insights costs per task; the NLB's health and flow metrics and the application's metrics are alarmed instead.",
  "AwsSolutions-ECS2": "The container's environment holds only names, URLs and ports; its secrets come from Secrets Manager.",
  "AwsSolutions-EC23": "SMTP submission (587, 465) is open to the internet by design; tenants log in, and accounts may allowlist IPs.",
  "AwsSolutions-ELB2": "A TCP pass-through NLB writes no access logs (only TLS listeners do); the SMTP server logs each session.",
};

export function suppressNagFindings(stack: Stack) {
  for (const [id, reason] of Object.entries(ACKNOWLEDGED)) Validations.of(stack).acknowledge({ id, reason });
}

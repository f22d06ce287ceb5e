// Turns a manifest `access` description into least-privilege IAM statements: explicit actions
// only (never `service:*`), on the table and its indexes, the named bucket prefixes and the
// queues the function sends to.
import { Aws } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type { Access, QueueName } from "../functions/manifest.ts";

export interface DataResources {
  tableArn: string;
  bucketArn: string;
  queueArns: Record<QueueName, string>;
  /** SES configuration set the sending functions must name; absent with the SMTP transport. */
  sesConfigurationSetName?: string;
}

const TABLE_READ = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"];
const TABLE_WRITE = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
];

export function accessStatements(access: Access, data: DataResources): iam.PolicyStatement[] {
  const statements = [tableStatement(access, data), ...bucketStatements(access, data)];
  if (access.sendTo?.length) {
    statements.push(
      new iam.PolicyStatement({
        actions: ["sqs:SendMessage"],
        resources: [...new Set(access.sendTo)].map((queue) => data.queueArns[queue]),
      }),
    );
  }
  if (access.ses && data.sesConfigurationSetName) statements.push(sesStatement(data.sesConfigurationSetName), sesQuotaStatement());
  if (access.sesIdentities && data.sesConfigurationSetName) statements.push(sesIdentityStatement(data.sesConfigurationSetName));
  return statements;
}

function tableStatement(access: Access, data: DataResources): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: access.table === "readwrite" ? [...TABLE_READ, ...TABLE_WRITE] : TABLE_READ,
    resources: [data.tableArn, `${data.tableArn}/index/*`],
  });
}

function bucketStatements(access: Access, data: DataResources): iam.PolicyStatement[] {
  const bucket = access.bucket;
  if (!bucket || bucket.prefixes.length === 0) return [];
  const objects = bucket.prefixes.map((prefix) => `${data.bucketArn}/${prefix}*`);
  const statements: iam.PolicyStatement[] = [];
  if (bucket.actions.includes("read")) {
    statements.push(new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: objects }));
    // Without ListBucket a missing key answers 403 instead of NoSuchKey; scope it to the prefixes.
    statements.push(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [data.bucketArn],
        conditions: { StringLike: { "s3:prefix": bucket.prefixes.map((prefix) => `${prefix}*`) } },
      }),
    );
  }
  if (bucket.actions.includes("write")) {
    statements.push(new iam.PolicyStatement({ actions: ["s3:PutObject", "s3:AbortMultipartUpload"], resources: objects }));
  }
  return statements;
}

function sesStatement(configurationSetName: string): iam.PolicyStatement {
  const prefix = `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}`;
  return new iam.PolicyStatement({
    actions: ["ses:SendEmail", "ses:SendRawEmail"],
    // Any verified identity of the account (tenants verify their own domains), one configuration set.
    resources: [`${prefix}:identity/*`, `${prefix}:configuration-set/${configurationSetName}`],
  });
}

/** Actions on the SES identities of tenants' sending domains (shared/transport/ses-identities.ts). */
export const SES_IDENTITY_ACTIONS = [
  "ses:CreateEmailIdentity",
  "ses:GetEmailIdentity",
  "ses:DeleteEmailIdentity",
  "ses:PutEmailIdentityDkimSigningAttributes",
  "ses:PutEmailIdentityMailFromAttributes",
];

function sesIdentityStatement(configurationSetName: string): iam.PolicyStatement {
  const prefix = `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}`;
  return new iam.PolicyStatement({
    actions: SES_IDENTITY_ACTIONS,
    // A new identity is created with the configuration set as its default.
    resources: [`${prefix}:identity/*`, `${prefix}:configuration-set/${configurationSetName}`],
  });
}
/** The account's sending rate and quota (GetAccount), which the delivery worker paces itself to; it names no resource. */
export const sesQuotaStatement = () => new iam.PolicyStatement({ actions: ["ses:GetAccount"], resources: ["*"] });

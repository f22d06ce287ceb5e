// The one place AWS clients are built. Locally they point at the embedded stand-ins with dummy
// credentials; on AWS they take the Lambda role's credentials and the region from the environment.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Config } from "./config.ts";

export interface AwsClients {
  dynamo: DynamoDBClient;
  ddb: DynamoDBDocumentClient;
  s3: S3Client;
  sqs: SQSClient;
}

/** s3rver accepts only this key pair; the other stand-ins accept anything. */
const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export function makeAwsClients(config: Config): AwsClients {
  const local = config.mode === "local";
  const base = { region: config.region, ...(local ? { credentials: LOCAL_CREDENTIALS } : {}) };
  const dynamo = new DynamoDBClient({ ...base, endpoint: config.endpoints.dynamodb });
  return {
    dynamo,
    ddb: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    s3: new S3Client({
      ...base,
      endpoint: config.endpoints.s3,
      forcePathStyle: local,
      // s3rver corrupts uploads sent with the default streaming checksums.
      requestChecksumCalculation: local ? "WHEN_REQUIRED" : undefined,
      responseChecksumValidation: local ? "WHEN_REQUIRED" : undefined,
    }),
    sqs: new SQSClient({ ...base, endpoint: config.endpoints.sqs }),
  };
}

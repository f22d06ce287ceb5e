// The single DynamoDB table (from the shared schema the local runtime also uses) and the S3
// bucket for bodies and attachments.
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { TABLE_SCHEMA } from "../../shared/store/table-schema.ts";

/** How long objects under each prefix are kept; bodies only need to outlive delivery retries. */
export const BUCKET_RETENTION_DAYS: Record<string, number> = {
  "bodies/": 3,
  "files/": 7,
};

export interface StorageProps {
  deletionProtection: boolean;
}

const attributeType = (type: "S" | "N") => (type === "S" ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER);

export class Storage extends Construct {
  readonly table: dynamodb.Table;
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const removalPolicy = props.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.table = new dynamodb.Table(this, "Table", {
      partitionKey: { name: TABLE_SCHEMA.partitionKey.name, type: attributeType(TABLE_SCHEMA.partitionKey.type) },
      sortKey: { name: TABLE_SCHEMA.sortKey.name, type: attributeType(TABLE_SCHEMA.sortKey.type) },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection,
      removalPolicy,
    });
    for (const index of TABLE_SCHEMA.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey.name, type: attributeType(index.partitionKey.type) },
        sortKey: { name: index.sortKey.name, type: attributeType(index.sortKey.type) },
        projectionType: dynamodb.ProjectionType[index.projection],
      });
    }

    this.bucket = new s3.Bucket(this, "Bucket", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy,
      lifecycleRules: [
        { id: "abort-incomplete-uploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
        ...Object.entries(BUCKET_RETENTION_DAYS).map(([prefix, days]) => ({
          id: `expire-${prefix.replace(/\/$/, "")}`,
          prefix,
          expiration: Duration.days(days),
        })),
      ],
    });
  }
}

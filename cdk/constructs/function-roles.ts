// One IAM role per distinct access of the manifest, shared by every function with that access:
// a role grants exactly its functions' `access` (and a consumer's queue), so sharing loses no
// separation, and the stack pays two resources (role and policy) per access set instead of per
// function, which keeps it under CloudFormation's 500 resources (docs/architecture.md, "Stack size").
import { createHash } from "node:crypto";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import type { Access, QueueName } from "../../functions/manifest.ts";
import { accessStatements, type DataResources } from "../access-policy.ts";

export interface FunctionRolesProps {
  data: DataResources;
  /** Read by every function. */
  linkSecret: secretsmanager.ISecret;
  /** Read by the functions whose access has dkimKeys. */
  dkimKeySecret: secretsmanager.ISecret;
  /** Read by the functions that send mail, when the transport relays through SMTP. */
  relaySecret?: secretsmanager.ISecret;
}

/** The same access written in any key order is the same set. */
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? [...new Set(value.map((item) => JSON.stringify(canonical(item))))].sort().map((item) => JSON.parse(item))
    : value && typeof value === "object"
      ? Object.fromEntries(
          Object.keys(value)
            .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
            .sort()
            .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
        )
      : value;

/** What a role grants: the access, and for a consumer the queue it consumes (granted by its event source). */
export const roleKey = (access: Access, consumes?: QueueName) => JSON.stringify(canonical({ access, consumes }));

export class FunctionRoles extends Construct {
  private readonly roles = new Map<string, iam.Role>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: FunctionRolesProps,
  ) {
    super(scope, id);
  }

  /** The role of every function with this access (and consumed queue), made on first use. */
  roleFor(access: Access, consumes?: QueueName): iam.Role {
    const key = roleKey(access, consumes);
    let role = this.roles.get(key);
    if (role) return role;
    // Named by its content, so the logical id stays put when functions are added or reordered.
    const hash = createHash("sha256").update(key).digest("hex").slice(0, 10);
    role = new iam.Role(this, `Role${hash}`, {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Posthaste functions with access ${key}`.slice(0, 1000),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName("service-role/AWSLambdaBasicExecutionRole")],
    });
    for (const statement of accessStatements(access, this.props.data)) role.addToPolicy(statement);
    this.props.linkSecret.grantRead(role);
    if (access.dkimKeys) this.props.dkimKeySecret.grantRead(role);
    if (access.ses) this.props.relaySecret?.grantRead(role);
    this.roles.set(key, role);
    return role;
  }
}

// Every Lambda of Posthaste: HTTP routes, queue consumers and schedules. The local gateway and
// pollers (local/) and the CDK stack (cdk/) are both built from this list, so a route cannot
// exist in one runtime and not in the other. `access` is what the function may touch; the
// stack turns it into least-privilege IAM.

export type QueueName = "deliveries" | "webhooks" | "sesEvents";

export interface Access {
  table: "read" | "readwrite";
  /** S3 key prefixes and what may be done under them. */
  bucket?: { prefixes: string[]; actions: ("read" | "write")[] };
  /** Queues the function sends to. */
  sendTo?: QueueName[];
  /** Sends mail through SES. */
  ses?: boolean;
}

interface FunctionDef {
  name: string;
  /** Entry file, relative to the repository root; it exports `handler`. */
  entry: string;
  access: Access;
  memoryMb?: number;
  timeoutSeconds?: number;
}

export interface RouteDef extends FunctionDef {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** API Gateway path, `{name}` for a path parameter. */
  path: string;
}

export interface ConsumerDef extends FunctionDef {
  queue: QueueName;
  batchSize: number;
  /** Caps concurrent invocations, so delivery can be paced to the SES send rate. */
  maxConcurrency: number;
}

export interface ScheduleDef extends FunctionDef {
  /** EventBridge rate expression body, e.g. "1 minute". */
  rate: string;
}

export interface QueueDef {
  /** Environment variable that carries the queue URL to every function. */
  urlEnv: string;
  visibilityTimeoutSeconds: number;
  /** Receives before a record is parked in the queue's dead-letter queue. */
  maxReceiveCount: number;
}

export const QUEUES: Record<QueueName, QueueDef> = {
  deliveries: { urlEnv: "DELIVERIES_QUEUE_URL", visibilityTimeoutSeconds: 180, maxReceiveCount: 5 },
  webhooks: { urlEnv: "WEBHOOKS_QUEUE_URL", visibilityTimeoutSeconds: 60, maxReceiveCount: 6 },
  sesEvents: { urlEnv: "SES_EVENTS_QUEUE_URL", visibilityTimeoutSeconds: 60, maxReceiveCount: 5 },
};

const BODIES = "bodies/";

export const ROUTES: RouteDef[] = [
  {
    name: "SendMessages",
    method: "POST",
    path: "/email/messages",
    entry: "functions/http/send-messages.ts",
    access: { table: "readwrite", bucket: { prefixes: [BODIES], actions: ["write"] }, sendTo: ["deliveries", "webhooks"] },
    memoryMb: 1024,
    timeoutSeconds: 29,
  },
  {
    name: "GetMessage",
    method: "GET",
    path: "/email/messages/{messageId}",
    entry: "functions/http/get-message.ts",
    access: { table: "readwrite" },
  },
];

export const CONSUMERS: ConsumerDef[] = [
  {
    name: "Deliver",
    queue: "deliveries",
    entry: "functions/queues/deliver.ts",
    access: { table: "readwrite", bucket: { prefixes: [BODIES, "files/"], actions: ["read"] }, sendTo: ["deliveries", "webhooks"], ses: true },
    batchSize: 10,
    maxConcurrency: 20,
    timeoutSeconds: 120,
  },
];

export const SCHEDULES: ScheduleDef[] = [
  {
    name: "Sweep",
    rate: "1 minute",
    entry: "functions/scheduled/sweep.ts",
    access: { table: "readwrite", sendTo: ["deliveries"] },
    timeoutSeconds: 60,
  },
];

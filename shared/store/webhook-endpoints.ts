// An account's webhook endpoints: URLs that receive every status change of the account's
// messages, each with its own signing secret. The reserved endpoint `callback` has no URL: its
// secret signs the posts to recipients' ExtraData.callbackUrl. Secrets are kept in clear (they
// must sign); after a rotation the previous one keeps signing for a day.
import { randomBytes } from "node:crypto";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { newId } from "../domain/ids.ts";
import { ifConditionHolds, queryAll } from "./dynamo.ts";
import { ACCOUNT_PREFIXES, keys } from "./keys.ts";

export const CALLBACK_ENDPOINT_ID = "callback";
/** How long the secret replaced by a rotation still signs, so receivers can switch without a gap. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 3600 * 1000;

export interface WebhookEndpoint {
  webhookId: string;
  /** Absent for the `callback` endpoint. */
  url?: string;
  description?: string;
  secret: string;
  previousSecret?: string;
  previousSecretUntil?: number;
  createdAt: number;
  secretRotatedAt?: number;
}

const webhookKey = keys.webhookEndpoint;

export const newWebhookSecret = () => `whsec_${randomBytes(32).toString("base64url")}`;

/** The secrets that sign a request now: the current one, and the previous one during its grace day. */
export const signingSecrets = (endpoint: WebhookEndpoint, now = Date.now()): string[] =>
  endpoint.previousSecret && (endpoint.previousSecretUntil ?? 0) > now ? [endpoint.secret, endpoint.previousSecret] : [endpoint.secret];

function fromItem(item: Record<string, unknown>): WebhookEndpoint {
  const { pk: _pk, sk: _sk, kind: _kind, ...endpoint } = item;
  return endpoint as unknown as WebhookEndpoint;
}

export function makeWebhookEndpointStore(ddb: DynamoDBDocumentClient, tableName: string) {
  async function get(accountId: string, webhookId: string): Promise<WebhookEndpoint | undefined> {
    const result = await ddb.send(new GetCommand({ TableName: tableName, Key: webhookKey(accountId, webhookId), ConsistentRead: true }));
    return result.Item ? fromItem(result.Item) : undefined;
  }

  async function list(accountId: string): Promise<WebhookEndpoint[]> {
    const items = await queryAll(
      { ddb, tableName },
      {
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": keys.account(accountId).pk, ":prefix": ACCOUNT_PREFIXES.webhook },
      },
    );
    return items.map(fromItem).sort((a, b) => a.createdAt - b.createdAt);
  }

  async function put(accountId: string, endpoint: WebhookEndpoint, onlyIfNew: boolean) {
    await ddb.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...webhookKey(accountId, endpoint.webhookId), ...endpoint, kind: "webhook" },
        ConditionExpression: onlyIfNew ? "attribute_not_exists(pk)" : undefined,
      }),
    );
  }

  /** The callback endpoint, created with a fresh secret the first time anyone needs it. */
  async function callbackEndpoint(accountId: string, now = Date.now()): Promise<WebhookEndpoint> {
    const existing = await get(accountId, CALLBACK_ENDPOINT_ID);
    if (existing) return existing;
    const created: WebhookEndpoint = { webhookId: CALLBACK_ENDPOINT_ID, secret: newWebhookSecret(), createdAt: now };
    if (await ifConditionHolds(put(accountId, created, true).then(() => true))) return created;
    return (await get(accountId, CALLBACK_ENDPOINT_ID))!; // another container created it first
  }

  return {
    get,
    list,
    callbackEndpoint,

    /** The endpoints that have a URL, i.e. everything but `callback`. */
    async listUrlEndpoints(accountId: string): Promise<Pick<WebhookEndpoint, "webhookId" | "url">[]> {
      return (await list(accountId)).filter((e) => e.url).map(({ webhookId, url }) => ({ webhookId, url }));
    },

    async add(accountId: string, input: { url: string; description?: string }, now = Date.now()): Promise<WebhookEndpoint> {
      const endpoint: WebhookEndpoint = {
        webhookId: newId(),
        url: input.url,
        ...(input.description ? { description: input.description } : {}),
        secret: newWebhookSecret(),
        createdAt: now,
      };
      await put(accountId, endpoint, true);
      return endpoint;
    },

    /** Returns false when there was no such endpoint. */
    async remove(accountId: string, webhookId: string): Promise<boolean> {
      const deleted = await ifConditionHolds(
        ddb.send(
          new DeleteCommand({ TableName: tableName, Key: webhookKey(accountId, webhookId), ConditionExpression: "attribute_exists(pk)" }),
        ),
      );
      return deleted !== undefined;
    },

    /** A new secret; the old one keeps signing for PREVIOUS_SECRET_GRACE_MS. Undefined for an unknown id. */
    async rotateSecret(accountId: string, webhookId: string, now = Date.now()): Promise<WebhookEndpoint | undefined> {
      if (webhookId === CALLBACK_ENDPOINT_ID) await callbackEndpoint(accountId, now);
      const current = await get(accountId, webhookId);
      if (!current) return undefined;
      const result = await ifConditionHolds(
        ddb.send(
          new UpdateCommand({
            TableName: tableName,
            Key: webhookKey(accountId, webhookId),
            UpdateExpression: "SET secret = :new, previousSecret = :old, previousSecretUntil = :until, secretRotatedAt = :now",
            // Two rotations at once must not both keep the same "previous" secret.
            ConditionExpression: "secret = :old",
            ExpressionAttributeValues: {
              ":new": newWebhookSecret(),
              ":old": current.secret,
              ":until": now + PREVIOUS_SECRET_GRACE_MS,
              ":now": now,
            },
            ReturnValues: "ALL_NEW",
          }),
        ),
      );
      return result ? fromItem(result.Attributes!) : get(accountId, webhookId);
    },
  };
}

export type WebhookEndpointStore = ReturnType<typeof makeWebhookEndpointStore>;

// Messages: one item per recipient copy, holding its current status and its whole history.
// Status changes use optimistic locking on `version` instead of transactions (the local
// stand-in has none): a change is recorded once, and a repeated event changes nothing.
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { REPEATABLE_STATUSES, FINAL_STATUSES, statusRank, type Status, type StatusChange } from "../domain/status.ts";
import type { EngagementCounter, Message, NewMessage } from "../domain/message.ts";
import { ifConditionHolds, isConditionFailure } from "./dynamo.ts";
import { GSI_PENDING, epochSeconds, isLive, keys, messageIdOf, pendingShardOf } from "./keys.ts";
import type { UnitOfWork } from "./unit-of-work.ts";

export class StatusConflictError extends Error {}

export function makeMessageStore(ddb: DynamoDBDocumentClient, tableName: string) {
  async function getMessage(messageId: string, now = Date.now()): Promise<Message | undefined> {
    const result = await ddb.send(new GetCommand({ TableName: tableName, Key: keys.message(messageId), ConsistentRead: true }));
    const item = result.Item as (Message & { pk: string }) | undefined;
    return isLive(item, now) ? strip(item!) : undefined;
  }

  return {
    getMessage,

    /**
     * Adds new messages to the accept path's write. ACCEPTED ones enter the sweeper's index;
     * REJECTED ones are final at once.
     */
    stage(work: Pick<UnitOfWork, "add">, messages: NewMessage[], now = Date.now()) {
      work.add(
        ...messages.map((message) => {
          const waiting = message.status === "ACCEPTED";
          return {
            ...keys.message(message.messageId),
            ...message,
            statusRank: statusRank(message.status),
            history: [{ status: message.status, ts: now, ...(message.status === "REJECTED" ? { reason: message.lastError } : {}) }],
            version: 1,
            attempts: 0,
            ...(waiting ? { pendingShard: pendingShardOf(message.messageId), dueAt: now } : {}),
          };
        }),
      );
    },

    /**
     * Takes the message for sending: only while it is still ACCEPTED and nobody else holds it.
     * Returns undefined when it is already sent, final, gone, or owned by another worker.
     */
    async claimForDelivery(messageId: string, claimSeconds: number, now = Date.now()): Promise<Message | undefined> {
      const result = await ifConditionHolds(
        ddb.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.message(messageId),
            UpdateExpression: "SET claimUntil = :until, attempts = attempts + :one",
            ConditionExpression:
              "attribute_exists(pk) AND #status = :accepted AND expiresAt > :nowSeconds AND (attribute_not_exists(claimUntil) OR claimUntil < :now)",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":until": now + claimSeconds * 1000,
              ":one": 1,
              ":accepted": "ACCEPTED",
              ":now": now,
              ":nowSeconds": epochSeconds(now),
            },
            ReturnValues: "ALL_NEW",
          }),
        ),
      );
      return result && strip(result.Attributes as Message & { pk: string });
    },

    /**
     * A transient failure: let go of the message and say when it is due again. A send held back
     * for the sender's own volume (`countsAsAttempt: false`) gives back the attempt its claim took.
     */
    async scheduleRetry(messageId: string, dueAt: number, lastError: string, options: { countsAsAttempt?: boolean } = {}) {
      const giveBack = options.countsAsAttempt === false;
      await ifConditionHolds(
        ddb.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.message(messageId),
            UpdateExpression: `SET dueAt = :due, lastError = :error${giveBack ? ", attempts = attempts - :one" : ""} REMOVE claimUntil`,
            ConditionExpression: "#status = :accepted",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":due": dueAt, ":error": lastError, ":accepted": "ACCEPTED", ...(giveBack ? { ":one": 1 } : {}) },
          }),
        ),
      );
    },

    /**
     * Our own failures used up the queue's receives: the record goes to the dead-letter queue,
     * so the message leaves the sweeper's index (or the sweeper would resend it forever) and
     * waits there, still ACCEPTED, for an operator to replay it.
     */
    async park(messageId: string, lastError: string) {
      await ifConditionHolds(
        ddb.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.message(messageId),
            UpdateExpression: "SET lastError = :error, parkedAt = :now REMOVE pendingShard, dueAt, claimUntil",
            ConditionExpression: "#status = :accepted",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":error": lastError, ":now": Date.now(), ":accepted": "ACCEPTED" },
          }),
        ),
      );
    },

    /** Lets go of a claim without changing anything else (a worker gave up before sending). */
    async releaseClaim(messageId: string) {
      await ifConditionHolds(
        ddb.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.message(messageId),
            UpdateExpression: "REMOVE claimUntil",
            ConditionExpression: "attribute_exists(claimUntil)",
          }),
        ),
      );
    },

    /**
     * Appends status changes (usually one; SENT and DELIVERED together when the receiving server
     * answered at once). Returns the updated message when any change was new, or undefined when
     * all had been recorded before (or the message is unknown): the caller then does nothing
     * more, which makes redelivered events harmless.
     */
    async recordStatus(
      messageId: string,
      changes: StatusChange | StatusChange[],
      known?: Message,
    ): Promise<{ message: Message; recorded: StatusChange[] } | undefined> {
      let current = known;
      for (let attempt = 0; attempt < 6; attempt++) {
        current ??= await getMessage(messageId);
        if (!current) return undefined;
        const fresh = newChanges(current, [changes].flat());
        if (fresh.length === 0) return undefined;
        const top = fresh.reduce((a, b) => (statusRank(b.status) >= statusRank(a.status) ? b : a));
        const becomesCurrent = statusRank(top.status) >= current.statusRank;
        const leavesQueue = fresh.some((c) => c.status === "SENT" || FINAL_STATUSES.has(c.status));
        const set = ["history = list_append(history, :changes)", "version = version + :one"];
        if (becomesCurrent) set.push("#status = :status", "statusRank = :rank");
        const remove = leavesQueue ? " REMOVE pendingShard, dueAt, claimUntil" : "";
        try {
          const result = await ddb.send(
            new UpdateCommand({
              TableName: tableName,
              Key: keys.message(messageId),
              UpdateExpression: `SET ${set.join(", ")}${remove}`,
              ConditionExpression: "version = :version",
              ExpressionAttributeNames: becomesCurrent ? { "#status": "status" } : undefined,
              ExpressionAttributeValues: {
                ":changes": fresh.map(withoutUndefined),
                ":one": 1,
                ":version": current.version,
                ...(becomesCurrent ? { ":status": top.status, ":rank": statusRank(top.status) } : {}),
              },
              ReturnValues: "ALL_NEW",
            }),
          );
          return { message: strip(result.Attributes as Message & { pk: string }), recorded: fresh };
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
          current = undefined; // someone else wrote first: read again and decide again
        }
      }
      throw new StatusConflictError(
        `Could not record ${[changes]
          .flat()
          .map((c) => c.status)
          .join("+")} for ${messageId}: too much contention`,
      );
    },

    /**
     * Counts one open or click (ADD, so concurrent fetches all count) and returns the message as
     * it is now; undefined when it is unknown or past its retention. The version is left alone:
     * counting never makes a status change retry.
     */
    async countEngagement(messageId: string, counter: EngagementCounter, now = Date.now()): Promise<Message | undefined> {
      const result = await ifConditionHolds(
        ddb.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.message(messageId),
            UpdateExpression: "ADD #counter :one",
            ConditionExpression: "attribute_exists(pk) AND expiresAt > :nowSeconds",
            ExpressionAttributeNames: { "#counter": counter },
            ExpressionAttributeValues: { ":one": 1, ":nowSeconds": epochSeconds(now) },
            ReturnValues: "ALL_NEW",
          }),
        ),
      );
      return result && strip(result.Attributes as Message & { pk: string });
    },

    /**
     * One page of the ids of messages of one shard that were due before `dueBefore` and are
     * still waiting; `next` is where the following page starts, absent after the last. The index
     * holds keys only: whether one is claimed right now is not known here, and does not need to
     * be, since the worker's claim turns a second job for it into a no-op.
     */
    async listOverdue(
      shard: string,
      dueBefore: number,
      page: { limit?: number; startKey?: OverdueCursor } = {},
    ): Promise<{ messageIds: string[]; next?: OverdueCursor }> {
      const result = await ddb.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: GSI_PENDING,
          KeyConditionExpression: "pendingShard = :shard AND dueAt < :before",
          ExpressionAttributeValues: { ":shard": shard, ":before": dueBefore },
          ExclusiveStartKey: page.startKey,
          Limit: page.limit ?? 500,
        }),
      );
      return { messageIds: (result.Items ?? []).map((item) => messageIdOf(item.pk as string)), next: result.LastEvaluatedKey };
    },
  };
}

export type MessageStore = ReturnType<typeof makeMessageStore>;

/** Where the next page of the sweeper's index starts (DynamoDB's LastEvaluatedKey). */
export type OverdueCursor = Record<string, unknown>;

function alreadyRecorded(history: StatusChange[], status: Status): boolean {
  if (REPEATABLE_STATUSES.has(status)) {
    const last = [...history].reverse().find((h) => REPEATABLE_STATUSES.has(h.status));
    return last?.status === status;
  }
  return history.some((h) => h.status === status);
}

/** The changes not recorded yet, each judged against the history as it would be with the ones before it. */
function newChanges(message: Message, changes: StatusChange[]): StatusChange[] {
  const history = [...message.history];
  const fresh: StatusChange[] = [];
  for (const change of changes) {
    if (alreadyRecorded(history, change.status)) continue;
    history.push(change);
    fresh.push(change);
  }
  return fresh;
}

function strip(item: Message & { pk: string; sk?: string }): Message {
  const { pk: _pk, sk: _sk, ...message } = item as Message & { pk: string; sk: string };
  return message;
}

const withoutUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

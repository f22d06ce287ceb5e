// Unread delivery reports (docs/http-api.md, reports): a message enters the `reports` index
// when its first final status is recorded (in that same write) and leaves it when a reader
// takes its report. Taking is one conditional update that removes the index keys: of readers
// racing for the same report exactly one succeeds, so a report is handed out once.
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Message } from "../domain/message.ts";
import { ifConditionHolds, stripKeys, type Item } from "./dynamo.ts";
import { GSI_REPORTS, epochSeconds, keys } from "./keys.ts";

export function makeReportStore(ddb: DynamoDBDocumentClient, tableName: string) {
  return {
    /** Ids of unread reports of one shard, oldest first, done at `fromKey` or later. */
    async listUnread(
      accountId: string,
      shard: number,
      fromKey: string,
      limit: number,
      startKey?: Item,
    ): Promise<{ messageIds: string[]; next?: Item }> {
      const page = await ddb.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: GSI_REPORTS,
          KeyConditionExpression: "reportShard = :shard AND reportKey >= :from",
          ExpressionAttributeValues: { ":shard": keys.reportShard(accountId, shard), ":from": fromKey },
          ExclusiveStartKey: startKey,
          Limit: limit,
        }),
      );
      const messageIds = (page.Items ?? []).map((item) => {
        const reportKey = item.reportKey as string;
        return reportKey.slice(reportKey.indexOf("#") + 1);
      });
      return { messageIds, next: page.LastEvaluatedKey };
    },

    /**
     * Takes a message's unread report: the message as it was when taken, or undefined when the
     * report is not there to take (taken by another reader, another account's or project's, or
     * expired). The condition on the account makes another tenant's id take nothing.
     */
    async take(messageId: string, scope: { accountId: string; projectId?: string }, now = Date.now()): Promise<Message | undefined> {
      const result = await ifConditionHolds(
        ddb.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.message(messageId),
            UpdateExpression: "REMOVE reportShard, reportKey",
            ConditionExpression: `attribute_exists(reportShard) AND accountId = :account AND expiresAt > :nowSeconds${
              scope.projectId ? " AND projectId = :project" : ""
            }`,
            ExpressionAttributeValues: {
              ":account": scope.accountId,
              ":nowSeconds": epochSeconds(now),
              ...(scope.projectId ? { ":project": scope.projectId } : {}),
            },
            ReturnValues: "ALL_OLD",
          }),
        ),
      );
      return result?.Attributes && stripKeys<Message>(result.Attributes);
    },
  };
}

export type ReportStore = ReturnType<typeof makeReportStore>;

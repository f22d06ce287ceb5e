// Stored templates (docs/templates.md): one item each in the account's partition, so another
// account's id is simply not found. Listing reads the account's templates in id order, a page at
// a time.
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Template } from "../domain/template.ts";
import { ifConditionHolds, stripKeys } from "./dynamo.ts";
import { ACCOUNT_PREFIXES, keys } from "./keys.ts";

export interface TemplatePage {
  templates: Template[];
  /** The id of the last template read: pass it as `after` for the next page. */
  next?: string;
}

export function makeTemplateStore(ddb: DynamoDBDocumentClient, tableName: string) {
  return {
    async get(accountId: string, templateId: string): Promise<Template | undefined> {
      const result = await ddb.send(
        new GetCommand({ TableName: tableName, Key: keys.template(accountId, templateId), ConsistentRead: true }),
      );
      return result.Item && stripKeys<Template>(result.Item);
    },

    /** Stores a new template; false when the id is taken. */
    async create(template: Template): Promise<boolean> {
      const written = await ifConditionHolds(
        ddb.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keys.template(template.accountId, template.templateId), ...template },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        ),
      );
      return written !== undefined;
    },

    /** Replaces a template that still is as `previous` left it; false when it changed or went meanwhile. */
    async replace(template: Template, previous: Pick<Template, "updatedAt">): Promise<boolean> {
      const written = await ifConditionHolds(
        ddb.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keys.template(template.accountId, template.templateId), ...template },
            ConditionExpression: "updatedAt = :previous",
            ExpressionAttributeValues: { ":previous": previous.updatedAt },
          }),
        ),
      );
      return written !== undefined;
    },

    /** False when there was no such template. */
    async remove(accountId: string, templateId: string): Promise<boolean> {
      const removed = await ifConditionHolds(
        ddb.send(
          new DeleteCommand({
            TableName: tableName,
            Key: keys.template(accountId, templateId),
            ConditionExpression: "attribute_exists(pk)",
          }),
        ),
      );
      return removed !== undefined;
    },

    /** One page of the account's templates in id order; `projectId` keeps a project's own and the account-wide ones. */
    async list(accountId: string, page: { after?: string; limit: number; projectId?: string }): Promise<TemplatePage> {
      const prefix = ACCOUNT_PREFIXES.template;
      const result = await ddb.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ...(page.projectId ? { FilterExpression: "attribute_not_exists(projectId) OR projectId = :project" } : {}),
          ExpressionAttributeValues: {
            ":pk": keys.account(accountId).pk,
            ":prefix": prefix,
            ...(page.projectId ? { ":project": page.projectId } : {}),
          },
          ExclusiveStartKey: page.after ? keys.template(accountId, page.after) : undefined,
          Limit: page.limit,
        }),
      );
      const last = result.LastEvaluatedKey?.sk as string | undefined;
      return {
        templates: (result.Items ?? []).map((item) => stripKeys<Template>(item)),
        ...(last ? { next: last.slice(prefix.length) } : {}),
      };
    },
  };
}

export type TemplateStore = ReturnType<typeof makeTemplateStore>;

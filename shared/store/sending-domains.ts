// Sending domains: the domain item in its account's partition (the same item the sender check
// reads: `verified` there means "may send", so a domain added by the admin CLI before domains
// verified themselves keeps working), an entry in the registry the daily re-check reads, and
// the owner item that keeps a verified domain to one account.
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { deleteAll, ifConditionHolds, queryAll, stripKeys } from "./dynamo.ts";
import { ACCOUNT_PREFIXES, keys, SENDING_DOMAINS } from "./keys.ts";
import { maySend, type SendingDomain } from "../domain/sending-domain.ts";

interface DomainItem extends Partial<SendingDomain> {
  domain: string;
  verified?: boolean;
}

/** A domain item as the service sees it; items of the admin CLI from before have no status: operator-verified, no key. */
function fromItem(accountId: string, item: Record<string, unknown>): SendingDomain {
  const stored = stripKeys<DomainItem>(item);
  if (stored.status === undefined) {
    return {
      accountId,
      domain: stored.domain,
      status: stored.verified ? "verified" : "pending",
      operatorVerified: !!stored.verified,
      records: [],
      createdAt: stored.createdAt ?? 0,
    };
  }
  const { verified: _verified, ...domain } = stored;
  return { ...(domain as SendingDomain), accountId };
}

export function makeSendingDomainStore(ddb: DynamoDBDocumentClient, tableName: string) {
  const table = { ddb, tableName };
  return {
    async get(accountId: string, domain: string): Promise<SendingDomain | undefined> {
      const { Item } = await ddb.send(new GetCommand({ TableName: tableName, Key: keys.domain(accountId, domain) }));
      return Item && fromItem(accountId, Item);
    },

    async list(accountId: string): Promise<SendingDomain[]> {
      const items = await queryAll(table, {
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": keys.account(accountId).pk, ":prefix": ACCOUNT_PREFIXES.domain },
      });
      return items.map((item) => fromItem(accountId, item));
    },

    /**
     * Writes the domain and its registry entry; `verified` follows the rule of maySend. With
     * `create`, only when the account has no such domain yet, or only the admin CLI's old item
     * (which this upgrades): false when it already has one.
     */
    async save(domain: SendingDomain, options: { create?: boolean } = {}): Promise<boolean> {
      const { accountId, ...rest } = domain;
      const written = await ifConditionHolds(
        ddb.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keys.domain(accountId, domain.domain), ...rest, verified: maySend(domain) },
            ...(options.create ? { ConditionExpression: "attribute_not_exists(pk) OR attribute_not_exists(#status)" } : {}),
            ...(options.create ? { ExpressionAttributeNames: { "#status": "status" } } : {}),
          }),
        ),
      );
      if (!written) return false;
      await ddb.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.sendingDomainEntry(accountId, domain.domain), accountId, domain: domain.domain },
        }),
      );
      return true;
    },

    async remove(accountId: string, domain: string): Promise<boolean> {
      const removed = await ifConditionHolds(
        ddb.send(
          new DeleteCommand({ TableName: tableName, Key: keys.domain(accountId, domain), ConditionExpression: "attribute_exists(pk)" }),
        ),
      );
      await deleteAll(table, [keys.sendingDomainEntry(accountId, domain)]);
      await ifConditionHolds(
        ddb.send(
          new DeleteCommand({
            TableName: tableName,
            Key: keys.domainOwner(domain),
            ConditionExpression: "accountId = :me",
            ExpressionAttributeValues: { ":me": accountId },
          }),
        ),
      );
      return removed !== undefined;
    },

    /** Every domain with records, across accounts: the daily re-check's list. */
    async listAll(): Promise<{ accountId: string; domain: string }[]> {
      const items = await queryAll(table, { KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": SENDING_DOMAINS } });
      return items.map((item) => ({ accountId: item.accountId as string, domain: item.domain as string }));
    },

    /** The account a domain verified for, if any. */
    async ownerOf(domain: string): Promise<string | undefined> {
      const { Item } = await ddb.send(new GetCommand({ TableName: tableName, Key: keys.domainOwner(domain) }));
      return Item?.accountId as string | undefined;
    },

    /** Takes the domain for this account; false when another account already has it. */
    async claim(domain: string, accountId: string): Promise<boolean> {
      const written = await ifConditionHolds(
        ddb.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keys.domainOwner(domain), accountId, claimedAt: Date.now() },
            ConditionExpression: "attribute_not_exists(pk) OR accountId = :me",
            ExpressionAttributeValues: { ":me": accountId },
          }),
        ),
      );
      return written !== undefined;
    },
  };
}

export type SendingDomainStore = ReturnType<typeof makeSendingDomainStore>;

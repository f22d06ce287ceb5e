// Accounts, projects, API keys (stored only as hashes), verified sender domains and addresses.
import { hash } from "node:crypto";
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { newApiKey, newId } from "../domain/ids.ts";
import { queryAll, stripKeys } from "./dynamo.ts";
import { ACCOUNT_PREFIXES, keys } from "./keys.ts";
import type { Account, AccountSettings, ApiKeyRecord, Caller, Project, ProjectSettings } from "../domain/account.ts";

export const hashApiKey = (apiKey: string) => hash("sha256", apiKey, "hex");

export function makeAccountStore(ddb: DynamoDBDocumentClient, tableName: string) {
  const get = async (key: Record<string, string>) => (await ddb.send(new GetCommand({ TableName: tableName, Key: key }))).Item;

  /** Sets the given fields of an existing item; undefined ones are left as they are. */
  async function setFields(key: Record<string, string>, fields: object) {
    const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    await ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: `SET ${entries.map((_, i) => `#n${i} = :v${i}`).join(", ")}`,
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#n${i}`, name])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])),
      }),
    );
  }

  return {
    async createAccount(name: string, accountId: string = newId()): Promise<Account> {
      const account: Account = { accountId, name, createdAt: Date.now() };
      await ddb.send(new PutCommand({ TableName: tableName, Item: { ...keys.account(accountId), ...account } }));
      return account;
    },

    async getAccount(accountId: string): Promise<Account | undefined> {
      const item = await get(keys.account(accountId));
      return item && stripKeys<Account>(item);
    },

    async updateSettings(accountId: string, settings: AccountSettings) {
      await setFields(keys.account(accountId), settings);
    },

    async updateProjectSettings(accountId: string, projectId: string, settings: ProjectSettings) {
      await setFields(keys.project(accountId, projectId), settings);
    },

    async listProjects(accountId: string): Promise<Project[]> {
      const items = await queryAll(
        { ddb, tableName },
        {
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ":pk": keys.account(accountId).pk, ":prefix": ACCOUNT_PREFIXES.project },
        },
      );
      return items.map((item) => stripKeys<Project>(item));
    },

    async createProject(accountId: string, name: string): Promise<{ projectId: string; name: string }> {
      const projectId = newId();
      await ddb.send(
        new PutCommand({ TableName: tableName, Item: { ...keys.project(accountId, projectId), projectId, name, createdAt: Date.now() } }),
      );
      return { projectId, name };
    },

    async getProject(accountId: string, projectId: string): Promise<Project | undefined> {
      const item = await get(keys.project(accountId, projectId));
      return item && stripKeys<Project>(item);
    },

    /** Creates a key and returns it in clear; only its hash is stored, so this is the one chance to see it. */
    async createApiKey(accountId: string, projectId?: string, label?: string): Promise<string> {
      return (await this.issueApiKey(accountId, { projectId, label })).apiKey;
    },

    /**
     * A new key in clear, and the record the account lists and revokes it by. The record is
     * written first: should the key item fail, what is left is a listed key that never worked.
     */
    async issueApiKey(
      accountId: string,
      options: { projectId?: string; label?: string } = {},
    ): Promise<{ apiKey: string; record: ApiKeyRecord }> {
      const apiKey = newApiKey();
      const keyHash = hashApiKey(apiKey);
      const record: ApiKeyRecord = {
        keyId: newId(),
        keyHash,
        prefix: apiKey.slice(0, 7),
        createdAt: Date.now(),
        ...(options.projectId ? { projectId: options.projectId } : {}),
        ...(options.label ? { label: options.label } : {}),
      };
      await ddb.send(new PutCommand({ TableName: tableName, Item: { ...keys.apiKeyRecord(accountId, record.keyId), ...record } }));
      await ddb.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...keys.apiKey(keyHash),
            accountId,
            projectId: options.projectId,
            label: options.label,
            keyId: record.keyId,
            createdAt: record.createdAt,
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return { apiKey, record };
    },

    async listApiKeys(accountId: string): Promise<ApiKeyRecord[]> {
      const items = await queryAll(
        { ddb, tableName },
        {
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ":pk": keys.account(accountId).pk, ":prefix": ACCOUNT_PREFIXES.apiKey },
        },
      );
      return items.map((item) => stripKeys<ApiKeyRecord>(item)).sort((a, b) => a.createdAt - b.createdAt);
    },

    /** Revokes one of the account's keys; undefined when it has no such key. Revoking twice keeps the first time. */
    async revokeApiKey(accountId: string, keyId: string, at = Date.now()): Promise<ApiKeyRecord | undefined> {
      const item = await get(keys.apiKeyRecord(accountId, keyId));
      if (!item) return undefined;
      const record = stripKeys<ApiKeyRecord>(item);
      if (record.revokedAt) return record;
      const revoke = (key: Record<string, string>) =>
        ddb.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: "SET revokedAt = if_not_exists(revokedAt, :at)",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeValues: { ":at": at },
          }),
        );
      // The key item first: once it is revoked the key stops working, whatever happens to the record.
      await revoke(keys.apiKey(record.keyHash)).catch((error: { name?: string }) => {
        if (error.name !== "ConditionalCheckFailedException") throw error;
      });
      await revoke(keys.apiKeyRecord(accountId, keyId));
      return { ...record, revokedAt: at };
    },

    async findCallerByApiKey(apiKey: string): Promise<Caller | undefined> {
      const keyItem = await get(keys.apiKey(hashApiKey(apiKey)));
      if (!keyItem || keyItem.revokedAt) return undefined;
      const [account, project] = await Promise.all([
        this.getAccount(keyItem.accountId),
        keyItem.projectId ? this.getProject(keyItem.accountId, keyItem.projectId) : undefined,
      ]);
      if (!account) return undefined;
      return { accountId: account.accountId, projectId: keyItem.projectId, account, ...(project ? { project } : {}) };
    },

    async addDomain(accountId: string, domain: string, verified: boolean) {
      await ddb.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.domain(accountId, domain.toLowerCase()), domain: domain.toLowerCase(), verified, createdAt: Date.now() },
        }),
      );
    },

    async addSenderAddress(accountId: string, address: string) {
      await ddb.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.sender(accountId, address.toLowerCase()), address: address.toLowerCase(), verified: true, createdAt: Date.now() },
        }),
      );
    },

    async listDomains(accountId: string): Promise<{ domain: string; verified: boolean }[]> {
      const items = await queryAll(
        { ddb, tableName },
        {
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ":pk": keys.account(accountId).pk, ":prefix": ACCOUNT_PREFIXES.domain },
        },
      );
      return items.map((item) => ({ domain: item.domain as string, verified: !!item.verified }));
    },

    /** Why mail From this address's domain is refused, when the account has the domain but may not send from it. */
    async senderDomainProblem(accountId: string, address: string): Promise<string | undefined> {
      const domain = address.slice(address.lastIndexOf("@") + 1).toLowerCase();
      const item = await get(keys.domain(accountId, domain));
      if (!item || item.verified) return undefined;
      const records = (item.records ?? []) as { purpose: string; name: string; state: string; problem?: string }[];
      const failing = records
        .filter((r) => ["dkim", "returnPathMx", "returnPathSpf"].includes(r.purpose) && r.state !== "verified")
        .map((r) => r.problem ?? `${r.name}: ${r.state}`);
      const state = item.status === "failed" ? "failed verification" : "is not verified yet";
      return `Sender domain ${domain} ${state}${failing.length ? ` (${failing.join("; ")})` : ""}: publish its DNS records and verify it (POST /domains/${domain}/verify)`;
    },

    /** A sender is allowed when its domain is verified or the address itself is. */
    async isVerifiedSender(accountId: string, address: string): Promise<boolean> {
      const lower = address.toLowerCase();
      const domain = lower.slice(lower.lastIndexOf("@") + 1);
      const [domainItem, senderItem] = await Promise.all([get(keys.domain(accountId, domain)), get(keys.sender(accountId, lower))]);
      return !!domainItem?.verified || !!senderItem?.verified;
    },
  };
}

export type AccountStore = ReturnType<typeof makeAccountStore>;

// The account's suppression list: addresses that must not be mailed (docs/suppressions.md).
//
// Each entry is one item keyed by address (look-ups while accepting mail) plus one list item
// keyed by time (GET /suppressions?since=&cause=). Without transactions the two are written in
// an order that leaves at worst a stale list item, and listing checks each list item against
// its entry, so a crash between the writes never shows a wrong entry.
//
// Also here: unsubscribe tickets, the little a message's unsubscribe link needs (account,
// address, language) kept for a year, because the message itself is gone after its retention
// and an unsubscribe link must keep working long after that (CAN-SPAM: at least 30 days). Most
// links carry their ticket sealed in the token (shared/domain/link-tokens.ts); a ticket is
// stored only when too long to seal, and links mailed before sealing still read theirs. One
// ticket item serves up to a thousand copies of a submission; a message id names its
// submission and position (shared/domain/ids.ts), which is how a link finds its address.
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { coalesce } from "../lib/coalesce.ts";
import { suppressionKey } from "../domain/address.ts";
import { submissionOf } from "../domain/ids.ts";
import { BATCH_GET_MAX, batchGet } from "./dynamo.ts";
import { epochSeconds, isLive, keys, timeKey, type ItemKey } from "./keys.ts";
import type { UnitOfWork } from "./unit-of-work.ts";
import type { Suppression, SuppressionCause, SuppressionPage, UnsubscribeTicket } from "../domain/suppression.ts";

const LIST_PAGE_MAX = 1000;
// A filtered page may skip many items; stop after this many reads and hand back a cursor.
const LIST_READS_MAX = 10;
export const UNSUBSCRIBE_TICKET_DAYS = 365;

function toSuppression(item: Record<string, unknown>): Suppression {
  const { address, cause, createdAt, causeMessageId, reason } = item as unknown as Suppression;
  return { address, cause, createdAt, ...(causeMessageId ? { causeMessageId } : {}), ...(reason ? { reason } : {}) };
}

interface Lookup {
  accountId: string;
  addresses: string[];
}

export function makeSuppressionStore(ddb: DynamoDBDocumentClient, tableName: string, options: { coalesce?: boolean } = {}) {
  /** Which addresses of each lookup are suppressed: one BatchGetItem for all of them (up to 100 keys). */
  async function lookUp(lookups: Lookup[]): Promise<Set<string>[]> {
    const found = await batchGetEntries(
      lookups.flatMap((l) => l.addresses.map((address) => keys.suppression(l.accountId, suppressionKey(address)))),
    );
    const byPk = new Map<string, Set<string>>();
    for (const item of found) {
      const pk = item.pk as string;
      if (!byPk.has(pk)) byPk.set(pk, new Set());
      byPk.get(pk)!.add(item.address as string);
    }
    return lookups.map((l) => byPk.get(keys.suppression(l.accountId, "").pk) ?? new Set());
  }
  // Concurrent SMTP sessions share lookups under load (shared/lib/coalesce.ts); Lambda handlers never do.
  const findSuppressed = options.coalesce
    ? coalesce<Lookup, Set<string>>(lookUp, { maxBatch: BATCH_GET_MAX, maxInFlight: 2 }, (l) => l.addresses.length)
    : async (lookup: Lookup) => (await lookUp([lookup]))[0];

  const getEntry = async (accountId: string, address: string) =>
    (await ddb.send(new GetCommand({ TableName: tableName, Key: keys.suppression(accountId, address), ConsistentRead: true }))).Item;

  const deleteListItem = (accountId: string, listSk: unknown) =>
    typeof listSk === "string"
      ? ddb.send(new DeleteCommand({ TableName: tableName, Key: { pk: keys.suppressionList(accountId), sk: listSk } }))
      : Promise.resolve();

  return {
    /** Adds or replaces the entry for an address (a new cause and time replace the old ones). */
    async add(
      accountId: string,
      entry: Omit<Suppression, "createdAt" | "address"> & { address: string },
      now = Date.now(),
    ): Promise<Suppression> {
      const address = suppressionKey(entry.address);
      const suppression = toSuppression({ ...entry, address, createdAt: now });
      const listSk = keys.suppressionListItem(accountId, now, address).sk;
      const previous = await getEntry(accountId, address);
      await ddb.send(new PutCommand({ TableName: tableName, Item: { pk: keys.suppressionList(accountId), sk: listSk, ...suppression } }));
      await ddb.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.suppression(accountId, address), ...suppression, listSk, kind: "suppression" },
        }),
      );
      if (previous && previous.listSk !== listSk) await deleteListItem(accountId, previous.listSk);
      return suppression;
    },

    async get(accountId: string, address: string): Promise<Suppression | undefined> {
      const item = await getEntry(accountId, suppressionKey(address));
      return item && toSuppression(item);
    },

    /** Removes the address; returns whether it was on the list. */
    async remove(accountId: string, address: string): Promise<boolean> {
      const key = suppressionKey(address);
      const previous = await getEntry(accountId, key);
      if (!previous) return false;
      await ddb.send(new DeleteCommand({ TableName: tableName, Key: keys.suppression(accountId, key) }));
      await deleteListItem(accountId, previous.listSk);
      return true;
    },

    /** Which of these addresses are suppressed (as suppressionKey spells them), looked up in batches of 100. */
    findSuppressed: (accountId: string, addresses: string[]): Promise<Set<string>> => findSuppressed({ accountId, addresses }),

    /**
     * Entries oldest first, from `since` (epoch ms) or after a previous page's `next`, of one
     * cause or all. A page may hold fewer than `limit` entries and still have a `next`.
     */
    async list(
      accountId: string,
      query: { cause?: SuppressionCause; since?: number; after?: string; limit?: number },
    ): Promise<SuppressionPage> {
      const limit = Math.min(Math.max(1, query.limit ?? 100), LIST_PAGE_MAX);
      const from = query.since === undefined ? undefined : timeKey(query.since);
      const candidates: Record<string, unknown>[] = [];
      let startKey: Record<string, unknown> | undefined =
        query.after !== undefined ? { pk: keys.suppressionList(accountId), sk: query.after } : undefined;
      let reads = 0;
      do {
        const page = await ddb.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: from !== undefined ? "pk = :pk AND sk >= :from" : "pk = :pk",
            FilterExpression: query.cause ? "cause = :cause" : undefined,
            ExpressionAttributeValues: {
              ":pk": keys.suppressionList(accountId),
              ...(from !== undefined ? { ":from": from } : {}),
              ...(query.cause ? { ":cause": query.cause } : {}),
            },
            ExclusiveStartKey: startKey,
            Limit: limit - candidates.length,
          }),
        );
        candidates.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey && candidates.length < limit && ++reads < LIST_READS_MAX);

      // A list item counts only while its entry still points at it (see the top of this file).
      const current = new Map(
        (await batchGetEntries(candidates.map((c) => keys.suppression(accountId, c.address as string)))).map((item) => [
          item.address as string,
          item.listSk,
        ]),
      );
      const entries = candidates.filter((c) => current.get(c.address as string) === c.sk).map(toSuppression);
      return { entries, next: startKey?.sk as string | undefined };
    },

    /**
     * Adds the items that keep what the unsubscribe links of a submission's messages need for
     * longer than the messages to the accept path's write: one item per thousand copies (not one
     * per copy), in the same BatchWriteItem as the messages themselves.
     */
    stageTickets(work: Pick<UnitOfWork, "add">, tickets: UnsubscribeTicket[], now = Date.now()) {
      const items = new Map<string, Record<string, unknown>>();
      for (const ticket of tickets) {
        const copy = submissionOf(ticket.messageId);
        if (!copy) throw new Error(`${ticket.messageId} is not the id of a submission's copy`);
        const key = keys.unsubscribeTicket(copy.submissionId, copy.position);
        let item = items.get(key.sk);
        if (!item) {
          const { accountId, sender, language } = ticket;
          item = { ...key, accountId, sender, language, addresses: {}, expiresAt: epochSeconds(now) + UNSUBSCRIBE_TICKET_DAYS * 86_400 };
          items.set(key.sk, item);
        }
        (item.addresses as Record<string, string>)[copy.position.toString(36)] = ticket.address;
      }
      work.add(...items.values());
    },

    async recipientOf(messageId: string, now = Date.now()): Promise<UnsubscribeTicket | undefined> {
      const copy = submissionOf(messageId);
      // Messages accepted before tickets were kept per submission have one ticket each.
      const key = copy ? keys.unsubscribeTicket(copy.submissionId, copy.position) : keys.singleUnsubscribeTicket(messageId);
      const item = (await ddb.send(new GetCommand({ TableName: tableName, Key: key }))).Item;
      if (!isLive(item, now)) return undefined;
      const { accountId, sender, language } = item as UnsubscribeTicket;
      const address = copy
        ? (item!.addresses as Record<string, string> | undefined)?.[copy.position.toString(36)]
        : (item!.address as string);
      return address ? { messageId, accountId, address, sender, language } : undefined;
    },
  };

  async function batchGetEntries(keyList: ItemKey[]): Promise<Record<string, unknown>[]> {
    return batchGet({ ddb, tableName }, keyList);
  }
}

export type SuppressionStore = ReturnType<typeof makeSuppressionStore>;

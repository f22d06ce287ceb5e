// The statistics' rows follow from a message's history, and the counter listener moves a message
// between rows as its status changes: these drive the transitions (scheduled and cancelled sends
// included) through deltasOf exactly as the status service hands them over, and check the rows
// and the seed's identities after every step.
import { describe, expect, it } from "vitest";
import type { Message } from "../../shared/domain/message.ts";
import {
  addCounts,
  dimensionsOf,
  statisticsRows,
  statsStateOf,
  tagDimension,
  zeroCounts,
  type Counts,
} from "../../shared/domain/statistics.ts";
import type { Status, StatusChange } from "../../shared/domain/status.ts";
import { deltasOf } from "../../shared/statistics/index.ts";

const CREATED = Date.UTC(2026, 2, 1, 10, 15);

function newMessage(id: string, extra: Partial<Message> = {}): Message {
  return {
    messageId: id,
    accountId: "acct",
    submissionId: "sub",
    bodyKey: "",
    from: { address: "shop@example.com" },
    to: { address: `${id}@example.org` },
    subject: "Hi",
    mergeFields: {},
    extraData: {},
    options: { trackOpens: true, trackLinks: true, language: "en", skipUnsubscribe: false },
    status: "ACCEPTED",
    statusRank: 0,
    history: [],
    version: 1,
    createdAt: CREATED,
    expiresAt: 0,
    attempts: 0,
    ...extra,
  };
}

/** The counters of one account, kept the way the listener's deltas would keep them. */
function counterBook() {
  const book = new Map<string, Counts>();
  return {
    apply(events: Parameters<typeof deltasOf>[0]) {
      for (const delta of deltasOf(events)) {
        const key = `${delta.dimension} ${delta.hour}`;
        book.set(key, addCounts(book.get(key) ?? zeroCounts(), delta.counts));
      }
    },
    rows: (dimension = "A") => statisticsRows(book.get(`${dimension} 2026030110`) ?? zeroCounts()),
  };
}

/** A message announced at creation (as the accept path does: no history yet), then changed as the status service records. */
function lifeOf(message: Message, book: ReturnType<typeof counterBook>) {
  let current = message;
  return {
    create(status: Status) {
      current = { ...current, status };
      book.apply([{ message: current, change: { status, ts: CREATED } }]);
      current = { ...current, history: [{ status, ts: CREATED }] };
    },
    record(...statuses: Status[]) {
      const changes: StatusChange[] = statuses.map((status) => ({ status, ts: CREATED + 1000 }));
      current = { ...current, history: [...current.history, ...changes] };
      book.apply(changes.map((change) => ({ message: current, change })));
    },
  };
}

function expectIdentities(rows: ReturnType<typeof statisticsRows>) {
  expect(rows.total).toBe(rows.billed + rows.rejected);
  expect(rows.billed).toBe(rows.sending + rows.sent + rows.delivered + rows.deliveryErrors);
}

describe("a message's row", () => {
  it("is the last outcome, else Sent once handed over, else Sending", () => {
    expect(statsStateOf([])).toBeUndefined();
    expect(statsStateOf([{ status: "SCHEDULED" }])?.row).toBe("sending");
    expect(statsStateOf([{ status: "ACCEPTED" }, { status: "SENT" }])?.row).toBe("sent");
    expect(statsStateOf([{ status: "ACCEPTED" }, { status: "SENT" }, { status: "DELIVERED" }, { status: "OPENED" }])).toEqual({
      row: "delivered",
      opened: true,
      clicked: false,
      unsubscribed: false,
    });
    // SES reports a bounce after a delivery: the message ends among the delivery errors.
    expect(statsStateOf([{ status: "SENT" }, { status: "DELIVERED" }, { status: "BOUNCED" }])?.row).toBe("bounced");
    expect(statsStateOf([{ status: "SCHEDULED" }, { status: "CANCELLED" }])?.row).toBe("cancelled");
  });

  it("counts a tag once however often a message names it, also within its project", () => {
    expect(dimensionsOf({ projectId: "p1", tags: ["a", "a", "b"] })).toEqual(["A", "P:p1", "T:a", "PT:p1:a", "T:b", "PT:p1:b"]);
    expect(tagDimension("x#y:z")).toBe("T:x%23y%3Az");
  });
});

describe("the counters through a message's life", () => {
  it("move an ordinary message from Sending to Sent to Delivered, and mark it opened, clicked and unsubscribed once", () => {
    const book = counterBook();
    const life = lifeOf(newMessage("m1", { tags: ["welcome"] }), book);
    life.create("ACCEPTED");
    expect(book.rows()).toMatchObject({ total: 1, billed: 1, sending: 1 });
    life.record("SENT", "DELIVERED");
    expect(book.rows()).toMatchObject({ total: 1, billed: 1, sending: 0, sent: 0, delivered: 1 });
    life.record("OPENED");
    life.record("CLICKED");
    life.record("UNSUBSCRIBED");
    life.record("SUBSCRIBED");
    life.record("UNSUBSCRIBED");
    const rows = book.rows();
    expect(rows).toMatchObject({ total: 1, billed: 1, delivered: 1, opened: 1, clicked: 1, unsubscribed: 1 });
    expectIdentities(rows);
    expect(book.rows("T:welcome")).toEqual(rows);
  });

  it("count a scheduled send as Sending until it goes, and a cancelled one beside Total, never billed", () => {
    const book = counterBook();
    const goes = lifeOf(newMessage("m1"), book);
    const cancelled = lifeOf(newMessage("m2"), book);
    goes.create("SCHEDULED");
    cancelled.create("SCHEDULED");
    expect(book.rows()).toMatchObject({ total: 2, billed: 2, sending: 2, cancelled: 0 });
    expectIdentities(book.rows());

    cancelled.record("CANCELLED");
    expect(book.rows()).toMatchObject({ total: 1, billed: 1, sending: 1, cancelled: 1 });
    expectIdentities(book.rows());

    goes.record("ACCEPTED");
    expect(book.rows()).toMatchObject({ total: 1, billed: 1, sending: 1 });
    goes.record("SENT");
    goes.record("BOUNCED");
    const rows = book.rows();
    expect(rows).toMatchObject({ total: 1, billed: 1, sending: 0, sent: 0, deliveryErrors: 1, rejected: 0, cancelled: 1 });
    expectIdentities(rows);
  });

  it("count a recipient refused at accept as Rejected, and one refused at delivery leaves Billed for Rejected", () => {
    const book = counterBook();
    lifeOf(newMessage("m1"), book).create("REJECTED");
    const later = lifeOf(newMessage("m2"), book);
    later.create("ACCEPTED");
    expect(book.rows()).toMatchObject({ total: 2, billed: 1, rejected: 1 });
    later.record("REJECTED");
    const rows = book.rows();
    expect(rows).toMatchObject({ total: 2, billed: 0, sending: 0, rejected: 2 });
    expectIdentities(rows);
  });

  it("merge the changes of many messages into one delta per slice and hour", () => {
    const messages = Array.from({ length: 50 }, (_, i) => newMessage(`m${i}`, { projectId: "p1" }));
    const deltas = deltasOf(messages.map((message) => ({ message, change: { status: "ACCEPTED" as Status, ts: CREATED } })));
    expect(deltas).toEqual([
      { accountId: "acct", dimension: "A", hour: "2026030110", counts: { sending: 50 } },
      { accountId: "acct", dimension: "P:p1", hour: "2026030110", counts: { sending: 50 } },
    ]);
  });
});

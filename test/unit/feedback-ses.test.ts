// What each SES event means for a message, from notifications shaped like the SES documentation's.
import { describe, expect, it } from "vitest";
import { parseSesRecordBody } from "../../shared/feedback/ses-notification.ts";
import { sampleSesNotification } from "../../local/ses-samples.ts";
import { sesFeedback } from "../../shared/feedback/ses-feedback.ts";

const input = { messageId: "0lq2abc00Xk3VbD8k1h2m3n4", recipient: "ivan@example.org", at: new Date("2025-05-01T10:00:00.000Z") };
const at = input.at.getTime();

describe("SES events as statuses", () => {
  it("turns Send, Delivery, Open and Click into SENT, DELIVERED, OPENED and CLICKED at the event's time", () => {
    expect(sesFeedback(sampleSesNotification("Send", input)).change).toEqual({ status: "SENT", ts: at - 1000 });
    expect(sesFeedback(sampleSesNotification("Delivery", input)).change).toEqual({
      status: "DELIVERED",
      ts: at,
      reason: "250 2.6.0 Message received",
    });
    expect(sesFeedback(sampleSesNotification("Open", input)).change).toEqual({ status: "OPENED", ts: at });
    expect(sesFeedback(sampleSesNotification("Click", input)).change).toEqual({ status: "CLICKED", ts: at });
  });

  it("turns a permanent bounce into a hard BOUNCED with the diagnostic as reason", () => {
    const outcome = sesFeedback(sampleSesNotification("Bounce", input));
    expect(outcome).toEqual({
      provider: "ses",
      kind: "Bounce",
      providerMessageId: expect.any(String),
      messageId: input.messageId,
      change: { status: "BOUNCED", ts: at, reason: "Permanent/General: smtp; 550 5.1.1 user unknown" },
      hardBounce: true,
    });
  });

  it("does not end the message on a transient bounce or a delivery delay", () => {
    const transient = sesFeedback(sampleSesNotification("TransientBounce", input));
    const delay = sesFeedback(sampleSesNotification("DeliveryDelay", input));
    expect(transient.change).toBeUndefined();
    expect(transient.note).toMatch(/transient/);
    expect(delay.change).toBeUndefined();
    expect(delay.note).toMatch(/TransientCommunicationFailure/);
  });

  it("turns a complaint into COMPLAINED and a reject into REJECTED", () => {
    expect(sesFeedback(sampleSesNotification("Complaint", input)).change).toEqual({
      status: "COMPLAINED",
      ts: at,
      reason: "complaint: abuse",
    });
    expect(sesFeedback(sampleSesNotification("Reject", input)).change).toMatchObject({
      status: "REJECTED",
      reason: "rejected by SES: Bad content",
    });
  });

  it("ignores a not-spam feedback report", () => {
    const notification = sampleSesNotification("Complaint", input);
    notification.complaint!.complaintFeedbackType = "not-spam";
    expect(sesFeedback(notification).change).toBeUndefined();
  });

  it("finds the message by its tag, or by the X-Posthaste-Message-Id header in identity notifications", () => {
    expect(sesFeedback(sampleSesNotification("Delivery", input)).messageId).toBe(input.messageId);
    const identity = sampleSesNotification("Delivery", { ...input, identityNotification: true });
    expect(identity.mail.tags).toBeUndefined();
    expect(identity.notificationType).toBe("Delivery");
    expect(sesFeedback(identity)).toMatchObject({ messageId: input.messageId, change: { status: "DELIVERED" } });
  });
});

describe("SES-events queue records", () => {
  const notification = sampleSesNotification("Bounce", input);

  it("are read with the SNS envelope around them", () => {
    const envelope = {
      Type: "Notification",
      MessageId: "x",
      TopicArn: "arn:aws:sns:us-east-1:1:t",
      Message: JSON.stringify(notification),
      Timestamp: "2025-05-01T10:00:01.000Z",
    };
    expect(parseSesRecordBody(JSON.stringify(envelope))).toEqual(notification);
  });

  it("are read without it (raw delivery)", () => {
    expect(parseSesRecordBody(JSON.stringify(notification))).toEqual(notification);
  });

  it("skip SNS housekeeping messages", () => {
    expect(
      parseSesRecordBody(JSON.stringify({ Type: "SubscriptionConfirmation", Message: "You have chosen to subscribe" })),
    ).toBeUndefined();
    expect(parseSesRecordBody(JSON.stringify({ notificationType: "AmazonSnsSubscriptionSucceeded", message: "ok" }))).toBeUndefined();
  });
});

// Records status changes and applies what follows from them: hard bounces, complaints and
// unsubscribes suppress the address, a resubscribe lifts it. Listeners (webhooks, reports)
// hear about every change that was new; a repeated event reaches nobody.
import type { Status, StatusChange } from "../domain/status.ts";
import type { MessageStore } from "../store/messages.ts";
import type { SuppressionStore } from "../store/suppressions.ts";
import type { Message } from "../domain/message.ts";
import type { SuppressionCause } from "../domain/suppression.ts";
import type { StatusEvent, StatusListener } from "../domain/status.ts";

const SUPPRESSING: Partial<Record<Status, SuppressionCause>> = { UNSUBSCRIBED: "unsubscribed", COMPLAINED: "complaint" };

export function makeStatusService(deps: { messages: MessageStore; suppressions: SuppressionStore; listeners: StatusListener[] }) {
  async function notify(events: StatusEvent[]) {
    if (events.length === 0) return;
    await Promise.all(deps.listeners.map((listener) => listener(events)));
  }

  return {
    notify,

    /**
     * Records a change, or several in one write (SENT and DELIVERED). `hardBounce` marks a
     * BOUNCED that suppresses the address. Returns the updated message, or undefined when every
     * change was already recorded.
     */
    async record(messageId: string, changes: StatusChange | StatusChange[], options: { known?: Message; hardBounce?: boolean } = {}) {
      const result = await deps.messages.recordStatus(messageId, changes, options.known);
      if (!result) return undefined;
      const { message, recorded } = result;
      for (const change of recorded) {
        const cause = change.status === "BOUNCED" && options.hardBounce ? "hard_bounce" : SUPPRESSING[change.status];
        if (cause) {
          await deps.suppressions.add(message.accountId, {
            address: message.to.address,
            cause,
            causeMessageId: messageId,
            reason: change.reason,
          });
        } else if (change.status === "SUBSCRIBED") {
          await deps.suppressions.remove(message.accountId, message.to.address);
        }
      }
      await notify(recorded.map((change) => ({ message, change })));
      return message;
    },
  };
}

export type StatusService = ReturnType<typeof makeStatusService>;

// Keeps `npm start` whole when the stand-ins process dies: the platform pauses the work that
// needs the stand-ins, starts a new process on the same ports, re-creates what it held in memory
// and carries on, saying so in the log. A process that keeps dying stops the platform with a
// clear message, rather than leaving it to answer every request with an error.
import { log } from "../shared/log.ts";
import type { StandInsProcess } from "./standins-process.ts";

export interface StandInsSupervisorOptions {
  standIns: StandInsProcess;
  /** Stops the work that needs the stand-ins (the pollers) and waits for what is in flight. Idempotent. */
  pause(): Promise<void>;
  /** Once the new process answers: re-create what the old one held in memory, resume the paused work. */
  resume(): Promise<void>;
  /** Restarts allowed within `windowMs`; the next death stops the platform. */
  maxRestarts: number;
  windowMs: number;
  /** Between failed attempts to restart. */
  retryDelayMs?: number;
  /** The platform cannot carry on; the message says why and what to do. */
  onFatal(error: Error): void;
}

export interface StandInsSupervisor {
  /** Called with how the process ended when it exits without being asked to. */
  exited(description: string): void;
  /** Restarts are no longer wanted: the platform is stopping. */
  stop(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function superviseStandIns(options: StandInsSupervisorOptions): StandInsSupervisor {
  const { standIns } = options;
  const restarts: number[] = [];
  let recovering = false;
  let stopped = false;
  const minutes = Math.round(options.windowMs / 60_000);

  const withinBudget = () => {
    const since = Date.now() - options.windowMs;
    while (restarts.length && restarts[0] < since) restarts.shift();
    return restarts.length < options.maxRestarts;
  };

  const fatal = (message: string) => {
    stopped = true;
    log.error("stand-ins process given up", { restarts: restarts.length, windowMinutes: minutes });
    options.onFatal(
      new Error(
        `${message}; Posthaste stops rather than answer every request with an error. See the log above for why, then run npm start again.`,
      ),
    );
  };

  async function recover(description: string) {
    let last = description;
    while (!stopped) {
      // A restart that fails counts as one more death: the budget bounds both.
      if (!withinBudget()) {
        return fatal(
          `The stand-ins process (DynamoDB, SQS/SNS, S3 and the mailbox) died ${restarts.length + 1} times in ${minutes} minutes (last: ${last})`,
        );
      }
      restarts.push(Date.now());
      try {
        await options.pause();
        await standIns.restart();
        await options.resume();
        // It may have died again while being set up; its exit was not news while this ran.
        if (!standIns.alive) throw new Error("it died again while being set up");
        log.warn("stand-ins process restarted: DynamoDB, SQS/SNS, S3 and the mailbox answer again on the same ports", {
          pid: standIns.pid,
        });
        return;
      } catch (error) {
        last = `restart failed: ${error instanceof Error ? error.message : String(error)}`;
        log.error("stand-ins process restart failed; trying again", { error: last });
        await sleep(options.retryDelayMs ?? 1000);
      }
    }
  }

  return {
    exited(description) {
      if (stopped || recovering) return; // a recovery under way checks the new process before it finishes
      recovering = true;
      log.error("stand-ins process died; restarting it on the same ports (requests fail until it is back)", { how: description });
      recover(description)
        .catch((error) => fatal(`Restarting the stand-ins process failed: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => {
          recovering = false;
        });
    },
    stop() {
      stopped = true;
    },
  };
}

// Runs the stand-ins and the mailbox in a child process (local/standins-child.ts). On two cores
// this lets the gateway and the handlers have one core while dynalite, fauxqs, s3rver and the
// mailbox answer on the other, instead of sharing one event loop.
import { fork, type ChildProcess } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { StandInPorts } from "./standins.ts";

export interface ChildPorts extends StandInPorts {
  mailboxSmtp: number;
  mailboxHttp: number;
}

export type ParentCommand =
  | { type: "start"; dataDir: string; ports: ChildPorts }
  | { type: "ses-feedback"; topicArn: string }
  | { type: "cpu" }
  | { type: "stop" };

export type ChildReport =
  | { type: "ready"; endpoints: { dynamodb: string; sqs: string; s3: string }; mailbox: { smtpPort: number; url: string } }
  | { type: "failed"; message: string; code?: string }
  | { type: "cpu"; micros: NodeJS.CpuUsage };

export interface StandInsProcess {
  endpoints: { dynamodb: string; sqs: string; s3: string };
  mailbox: { smtpPort: number; url: string };
  pid: number;
  /** Publish simulated SES feedback (complaint@) to this topic from now on. */
  simulateSesFeedback(topicArn: string): void;
  /** CPU time the stand-ins process has used so far. */
  cpuUsage(): Promise<NodeJS.CpuUsage>;
  stop(): Promise<void>;
}

const CHILD_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), "standins-child.ts");
const PID_FILE = "standins.pid";
const STALE_WAIT_MS = 10_000;

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A stand-ins process left by a platform that was killed exits as soon as it notices, but it may
 * still hold the LevelDB lock and the ports for a moment: wait for it, then make sure it is gone.
 */
async function awaitStaleChild(dataDir: string) {
  const pid = Number(await readFile(path.join(dataDir, PID_FILE), "utf8").catch(() => ""));
  if (!pid || pid === process.pid) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => undefined);
  if (cmdline !== undefined && !cmdline.includes("standins-child")) return; // the pid was reused by something else
  const deadline = Date.now() + STALE_WAIT_MS;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (isAlive(pid) && cmdline !== undefined) process.kill(pid, "SIGKILL");
}

export async function startStandInsProcess(dataDir: string, ports: ChildPorts): Promise<StandInsProcess> {
  await awaitStaleChild(dataDir);
  // The parent's Node flags (tsx's loader, --cpu-prof in the bench) apply to the child too.
  const child: ChildProcess = fork(CHILD_ENTRY, [], { execArgv: process.execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const send = (command: ParentCommand) => child.send(command);
  const next = <T extends ChildReport["type"]>(type: T) =>
    new Promise<Extract<ChildReport, { type: T }>>((resolve, reject) => {
      const done = () => {
        child.off("message", onMessage);
        child.off("exit", onExit);
      };
      const onMessage = (report: ChildReport) => {
        if (report.type === type) {
          done();
          resolve(report as Extract<ChildReport, { type: T }>);
        } else if (report.type === "failed") {
          done();
          reject(Object.assign(new Error(report.message), { code: report.code }));
        }
      };
      const onExit = () => {
        done();
        reject(new Error(`the stand-ins process exited (${child.exitCode ?? child.signalCode})`));
      };
      child.on("message", onMessage);
      child.once("exit", onExit);
    });

  const ready = next("ready");
  send({ type: "start", dataDir, ports });
  const { endpoints, mailbox } = await ready;
  await writeFile(path.join(dataDir, PID_FILE), String(child.pid));

  return {
    endpoints,
    mailbox,
    pid: child.pid!,
    simulateSesFeedback: (topicArn) => send({ type: "ses-feedback", topicArn }),
    async cpuUsage() {
      const answer = next("cpu");
      send({ type: "cpu" });
      return (await answer).micros;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) send({ type: "stop" });
      await exited;
      await rm(path.join(dataDir, PID_FILE), { force: true });
    },
  };
}

// Runs the stand-ins and the mailbox in a child process (local/standins-child.ts). On two cores
// this lets the gateway and the handlers have one core while dynalite, fauxqs, s3rver and the
// mailbox answer on the other, instead of sharing one event loop.
import { fork, type ChildProcess } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { standInsProcessEnv } from "../shared/config.ts";
import { withLocalHeap } from "./node-heap.ts";
import type { StandInPorts } from "./standins.ts";

export interface ChildPorts extends StandInPorts {
  mailboxSmtp: number;
  mailboxHttp: number;
  /** The DNS stand-in (local/dns-standin.ts). */
  dns: number;
}

export type ParentCommand =
  | { type: "start"; dataDir: string; ports: ChildPorts }
  | { type: "ses-feedback"; topicArn: string }
  | { type: "cpu" }
  | { type: "memory" }
  | { type: "stop" };

export type ChildReport =
  | {
      type: "ready";
      endpoints: { dynamodb: string; sqs: string; s3: string };
      mailbox: { smtpPort: number; url: string };
      dnsPort: number;
    }
  | { type: "failed"; message: string; code?: string }
  | { type: "cpu"; micros: NodeJS.CpuUsage }
  | { type: "memory"; usage: NodeJS.MemoryUsage };

export interface StandInsProcess {
  endpoints: { dynamodb: string; sqs: string; s3: string };
  mailbox: { smtpPort: number; url: string };
  /** The DNS stand-in's UDP port on 127.0.0.1. */
  dnsPort: number;
  /** The running child's pid; a new one after restart(). */
  readonly pid: number;
  readonly alive: boolean;
  /** Publish simulated SES feedback (complaint@) to this topic from now on. */
  simulateSesFeedback(topicArn: string): void;
  /** CPU time the stand-ins process has used so far. */
  cpuUsage(): Promise<NodeJS.CpuUsage>;
  /** The stand-ins process's memory (resident set, V8 heap, buffers), as process.memoryUsage() there says. */
  memoryUsage(): Promise<NodeJS.MemoryUsage>;
  /**
   * A new child in place of one that died, on the ports the first one bound, so every client's
   * endpoint stays valid. What fauxqs held in memory is gone: the caller re-creates it.
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface StandInsProcessOptions {
  /** The child exited without being asked to (a crash, a kill -9). */
  onUnexpectedExit?: (description: string) => void;
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

interface RunningChild {
  child: ChildProcess;
  exited: Promise<void>;
  endpoints: StandInsProcess["endpoints"];
  mailbox: StandInsProcess["mailbox"];
  dnsPort: number;
  send(command: ParentCommand): void;
  next<T extends ChildReport["type"]>(type: T): Promise<Extract<ChildReport, { type: T }>>;
}

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;
const describeExit = (child: ChildProcess) => (child.signalCode ? `killed by ${child.signalCode}` : `exited with code ${child.exitCode}`);

async function forkChild(dataDir: string, ports: ChildPorts): Promise<RunningChild> {
  // The parent's Node flags (tsx's loader, --cpu-prof in the bench) apply to the child too, and
  // the local heap cap (local/node-heap.ts) whether or not the parent was started with it.
  const child: ChildProcess = fork(CHILD_ENTRY, [], {
    execArgv: withLocalHeap(process.execArgv),
    env: standInsProcessEnv(),
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // A command sent as the child dies fails on the IPC channel; the exit itself is what gets handled.
  child.on("error", () => undefined);
  const send = (command: ParentCommand) => {
    if (child.connected) child.send(command);
  };
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
        reject(new Error(`the stand-ins process ${describeExit(child)}`));
      };
      if (hasExited(child)) return onExit();
      child.on("message", onMessage);
      child.once("exit", onExit);
    });

  const ready = next("ready");
  send({ type: "start", dataDir, ports });
  try {
    const { endpoints, mailbox, dnsPort } = await ready;
    await writeFile(path.join(dataDir, PID_FILE), String(child.pid));
    return { child, exited, endpoints, mailbox, dnsPort, send, next };
  } catch (error) {
    child.kill("SIGKILL");
    await exited;
    throw error;
  }
}

const portOf = (url: string) => Number(new URL(url).port);

export async function startStandInsProcess(
  dataDir: string,
  ports: ChildPorts,
  options: StandInsProcessOptions = {},
): Promise<StandInsProcess> {
  await awaitStaleChild(dataDir);
  let current = await forkChild(dataDir, ports);
  const { endpoints, mailbox, dnsPort } = current;
  // With POSTHASTE_PORTS=auto the first child picked free ports; a restarted one takes the same.
  const bound: ChildPorts = {
    dynamodb: portOf(endpoints.dynamodb),
    sqs: portOf(endpoints.sqs),
    s3: portOf(endpoints.s3),
    mailboxSmtp: mailbox.smtpPort,
    mailboxHttp: portOf(mailbox.url),
    dns: dnsPort,
  };
  let stopping = false;
  /** Children this side killed or asked to stop: their exit is no news. */
  const dismissed = new WeakSet<RunningChild>();
  const watch = (running: RunningChild) =>
    running.child.once("exit", () => {
      if (!stopping && !dismissed.has(running)) options.onUnexpectedExit?.(describeExit(running.child));
    });
  watch(current);

  return {
    endpoints,
    mailbox,
    dnsPort,
    get pid() {
      return current.child.pid!;
    },
    get alive() {
      return !hasExited(current.child);
    },
    simulateSesFeedback: (topicArn) => current.send({ type: "ses-feedback", topicArn }),
    async cpuUsage() {
      const running = current;
      const answer = running.next("cpu");
      running.send({ type: "cpu" });
      return (await answer).micros;
    },
    async memoryUsage() {
      const running = current;
      const answer = running.next("memory");
      running.send({ type: "memory" });
      return (await answer).usage;
    },
    async restart() {
      if (!hasExited(current.child)) {
        dismissed.add(current);
        current.child.kill("SIGKILL");
        await current.exited;
      }
      const next = await forkChild(dataDir, bound);
      current = next;
      watch(next);
    },
    async stop() {
      stopping = true;
      current.send({ type: "stop" });
      await current.exited;
      await rm(path.join(dataDir, PID_FILE), { force: true });
    },
  };
}

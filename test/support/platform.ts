// Runs the local platform the way `npm start` does, in a child process with its own data
// directory and free ports, for end-to-end tests.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { withLocalHeap } from "../../local/node-heap.ts";
import type { LocalInfo } from "../../local/platform.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

export interface RunningPlatform {
  info: LocalInfo;
  dataDir: string;
  process: ChildProcess;
  output(): string;
  /** Ctrl-C, as a user would. */
  stop(): Promise<void>;
  /** A crash: no cleanup at all. */
  kill(): Promise<void>;
}

export async function startPlatformProcess(options: { dataDir?: string; env?: Record<string, string> } = {}): Promise<RunningPlatform> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), "posthaste-e2e-")));
  // As `npm start` runs it: with the local heap cap (local/node-heap.ts).
  const child = spawn(process.execPath, [...withLocalHeap([]), "--import", "tsx", "local/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, POSTHASTE_DATA_DIR: dataDir, POSTHASTE_PORTS: "auto", LOG_LEVEL: "warn", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const info = await waitForInfo(dataDir, child, () => output);
  return {
    info,
    dataDir,
    process: child,
    output: () => output,
    async stop() {
      child.kill("SIGINT");
      await exited;
    },
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

async function waitForInfo(dataDir: string, child: ChildProcess, output: () => string): Promise<LocalInfo> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`platform exited with ${child.exitCode}:\n${output()}`);
    const info: LocalInfo | undefined = await readFile(path.join(dataDir, "local.json"), "utf8").then(
      (t) => JSON.parse(t) as LocalInfo,
      () => undefined,
    );
    if (info && info.pid === child.pid) return info;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`platform did not start in 60 s:\n${output()}`);
}

/** Polls until `check` returns a value (not undefined), or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 15_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function api(info: LocalInfo, apiKey = info.apiKey) {
  const call = async (method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${info.apiUrl}${pathname}`, {
      method,
      headers: { authorization: `Key ${apiKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, json, text };
  };
  return {
    post: (pathname: string, body?: unknown, headers?: Record<string, string>) => call("POST", pathname, body, headers),
    get: (pathname: string, headers?: Record<string, string>) => call("GET", pathname, undefined, headers),
    call,
  };
}

/** Runs the admin CLI against a running platform, as `npm run admin -- ...` would. */
export async function admin(dataDir: string, args: string[]): Promise<Record<string, any>> {
  const child = spawn(process.execPath, ["--import", "tsx", "local/admin.ts", ...args, "--json"], {
    cwd: ROOT,
    env: { ...process.env, POSTHASTE_DATA_DIR: dataDir },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (err += c));
  const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
  if (code !== 0) throw new Error(`admin ${args.join(" ")} failed: ${err}`);
  return JSON.parse(out);
}

export interface MailboxEntry {
  id: string;
  envelope: { from: string; to: string[] };
  subject: string;
  messageId?: string;
}

export const mailbox = (info: LocalInfo) => ({
  list: async (query = ""): Promise<MailboxEntry[]> =>
    (await fetch(`${info.mailboxUrl}/messages${query}`)).json() as Promise<MailboxEntry[]>,
  raw: async (id: string): Promise<string> => (await fetch(`${info.mailboxUrl}/messages/${id}`)).text(),
});

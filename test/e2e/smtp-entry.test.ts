// The Fargate container's entry point: functions/smtp-ingest/main.ts bundled by esbuild exactly
// as the Dockerfile does, run with node against the stand-ins, then stopped with SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localTlsCertificate, type LocalTls } from "../../local/smtp-tls.ts";
import { makeAccount, makeTestEnv, type TestEnv } from "../support/integration.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** The build step of functions/smtp-ingest/Dockerfile, into `outfile`. */
const DOCKERFILE_BUILD = (outfile: string) => [
  "functions/smtp-ingest/main.ts",
  "--bundle",
  "--platform=node",
  "--target=node22",
  "--format=esm",
  "--minify",
  "--sourcemap",
  "--sources-content=false",
  "--banner:js=import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  `--outfile=${outfile}`,
];

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env });
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

interface Running {
  child: ChildProcess;
  ports: { starttlsPort: number; tlsPort: number; healthPort: number };
  output(): string;
  exited: Promise<number | null>;
}

function start(bundle: string, env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [bundle], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const line = output.split("\n").find((l) => l.includes('"smtp ingest listening"'));
      if (line) {
        clearTimeout(timer);
        resolve({ child, ports: JSON.parse(line), output: () => output, exited });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk) => (output += chunk));
    exited.then((code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
}

/** The container's settings on free loopback ports with the test certificate, and `workers` processes. */
const containerEnv = (workers: number) => ({
  ...env.env,
  TLS_CERT_PEM: tls.cert,
  TLS_KEY_PEM: tls.key,
  SMTP_STARTTLS_PORT: "0",
  SMTP_TLS_PORT: "0",
  HEALTH_PORT: "0",
  SMTP_BIND_HOST: "127.0.0.1",
  SMTP_SERVER_NAME: "localhost",
  SMTP_WORKERS: String(workers),
  LOG_LEVEL: "info",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
});

let env: TestEnv;
let tls: LocalTls;
let dir: string;
let bundle: string;
let running: Running | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "posthaste-smtp-entry-"));
  bundle = path.join(dir, "dist/smtp-ingest/main.mjs");
  const built = await run(path.join(ROOT, "node_modules/.bin/esbuild"), DOCKERFILE_BUILD(bundle));
  expect(built.code, built.output).toBe(0);
  env = await makeTestEnv();
  tls = await localTlsCertificate(dir);
});

afterAll(async () => {
  if (running?.child.exitCode === null) running.child.kill("SIGKILL");
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the SMTP ingest container entry point", () => {
  it("greets over STARTTLS, accepts mail, answers /health, and exits cleanly on SIGTERM", async () => {
    const owner = await makeAccount(env.deps, "example.com");
    running = await start(bundle, containerEnv(1));
    const { ports } = running;
    const client = nodemailer.createTransport({
      host: "127.0.0.1",
      port: ports.starttlsPort,
      requireTLS: true,
      tls: { ca: tls.cert, servername: "localhost" },
      auth: { user: owner.account.accountId, pass: owner.apiKey },
    });

    await expect(client.verify()).resolves.toBe(true); // greeting, EHLO, STARTTLS, EHLO, AUTH
    const sent = await client.sendMail({ from: "news@example.com", to: "ivan@example.org", subject: "From the container", text: "Hi" });
    expect(sent.response).toMatch(/^250 Ok: queued as \S+$/);
    const health = await fetch(`http://127.0.0.1:${ports.healthPort}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    client.close();

    running.child.kill("SIGTERM");

    expect(await running.exited).toBe(0);
    expect(running.output()).toContain('"smtp ingest stopped"');
  });

  it("runs SMTP_WORKERS worker processes on the same ports, and drains them all on SIGTERM", async () => {
    const owner = await makeAccount(env.deps, "workers.example");
    running = await start(bundle, containerEnv(2));
    const { ports } = running;
    expect(ports).toMatchObject({ workers: 2 });
    // A new connection a message: the primary hands connections to the workers in turn.
    const infos = [];
    for (let i = 0; i < 4; i++) {
      const client = nodemailer.createTransport({
        host: "127.0.0.1",
        port: i % 2 ? ports.tlsPort : ports.starttlsPort,
        secure: i % 2 === 1,
        requireTLS: true,
        tls: { ca: tls.cert, servername: "localhost" },
        auth: { user: owner.account.accountId, pass: owner.apiKey },
      });
      infos.push(await client.sendMail({ from: "news@workers.example", to: `reader${i}@example.org`, subject: `Copy ${i}`, text: "Hi" }));
      client.close();
    }
    const ids = infos.map((info) => /^250 Ok: queued as (\S+)$/.exec(info.response)?.[1]);
    const recorded = await Promise.all(ids.map((id) => env.deps.messages.getMessage(id!)));
    expect(recorded.map((m) => m?.subject)).toEqual(["Copy 0", "Copy 1", "Copy 2", "Copy 3"]);
    const health = await fetch(`http://127.0.0.1:${ports.healthPort}/health`);
    expect(await health.json()).toEqual({ status: "ok" });

    running.child.kill("SIGTERM");

    expect(await running.exited).toBe(0);
    const drained = running
      .output()
      .split("\n")
      .filter((line) => line.includes('"smtp ingest worker draining"'))
      .map((line) => JSON.parse(line).pid);
    expect(new Set(drained).size).toBe(2);
    expect(running.output()).toContain('"smtp ingest stopped"');
  });

  it("refuses to start without a certificate", async () => {
    const result = await run(process.execPath, [bundle], { PATH: process.env.PATH, ...env.env, LOG_LEVEL: "info" });
    expect(result.code).toBe(1);
    expect(result.output).toContain("or TLS_CERT_PEM and TLS_KEY_PEM: SMTP submission is TLS only");
  });
});

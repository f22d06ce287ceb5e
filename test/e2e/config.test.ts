// A bad setting stops the start, naming the variable: `npm start` exits, and a Lambda's cold start
// (importing its entry, which reads its settings) fails, instead of running with the limit off
// or a retry count of NaN.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("a bad setting", () => {
  it("stops npm start with a message naming it", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "posthaste-config-"));
    try {
      const { code, output } = await run(["local/main.ts"], {
        POSTHASTE_DATA_DIR: dataDir,
        POSTHASTE_PORTS: "auto",
        DELIVERY_MAX_ATTEMPTS: "eight",
      });
      expect(code).not.toBe(0);
      expect(output).toContain('DELIVERY_MAX_ATTEMPTS="eight" is not valid: expected a whole number of attempts');
      expect(output).not.toContain("Posthaste is running locally");
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("fails a Lambda's cold start with a message naming it", async () => {
    const script = "await import('./functions/http/send-messages.ts')";
    const { code, output } = await run(["--input-type=module", "--eval", script], { LIMIT_REQUEST_BYTES: "10MB" });
    expect(code).not.toBe(0);
    expect(output).toContain('LIMIT_REQUEST_BYTES="10MB" is not valid: expected a whole number of bytes');
  });
});

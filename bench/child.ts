// Reference servers run in their own process, as the platform does, so neither shares the load
// generator's event loop. The child prints one JSON line with its port when ready.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

export const BENCH_DIR = import.meta.dirname;
export const ROOT = path.resolve(BENCH_DIR, "..");

export interface Child<T> {
  ready: T;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startChild<T>(script: string, env: Record<string, string> = {}): Promise<Child<T>> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(BENCH_DIR, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = await new Promise<T>((resolve, reject) => {
    child.stdout!.on("data", (chunk) => {
      output += chunk;
      const line = output.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line) as T);
    });
    child.stderr!.on("data", (chunk) => (output += chunk));
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}: ${output}`)));
  });
  return {
    ready,
    process: child,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

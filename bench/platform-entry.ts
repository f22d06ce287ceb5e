// The local platform as the bench runs it: `npm start`'s platform, handed the bench's usage meter
// as its instrument, so every AWS call is counted and every handler timed into the file named by
// POSTHASTE_BENCH_USAGE_FILE. The runtime itself knows nothing of the bench.
import path from "node:path";
import { loadLocalSettings, quietSdkVersionNotice } from "../shared/config.ts";
import { ROOT, startPlatform } from "../local/platform.ts";
import { startUsageMeter } from "./usage-meter.ts";

quietSdkVersionNotice();
const usageFile = process.env.POSTHASTE_BENCH_USAGE_FILE;
if (!usageFile) throw new Error("POSTHASTE_BENCH_USAGE_FILE is not set");
const settings = loadLocalSettings();
const platform = await startPlatform({
  dataDir: settings.dataDir ?? path.join(ROOT, ".data"),
  settings,
  instrument: startUsageMeter(usageFile),
  onFatal: (error) => {
    console.error(error.message);
    process.exit(1);
  },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void platform.stop().then(() => process.exit(0)));
}

// Debian's chromium driven by playwright-core, for the browser tests. .ci/run installs chromium
// when it is missing; without it the browser tests skip and say why.
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
export const noChromiumNote = hasChromium ? "" : ` (skipped: no ${CHROMIUM}; run .ci/run or apt-get install chromium)`;

/** Headless chromium without the background traffic (updates, sync, QUIC) a test has no use for. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });

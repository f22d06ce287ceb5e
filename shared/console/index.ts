// What the entries may use of console/: the console's files and their policy.
export { CONSOLE_FILES, CONSOLE_POLICY, consoleAssets } from "./assets.ts";

// Absolute paths the stack needs: manifest entries and the Docker build context are relative
// to the repository root, wherever `cdk` was started from.
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const fromRoot = (relative: string) => path.join(REPO_ROOT, relative);

// Bundled first into every Lambda (cdk/lambda-bundling.ts): stack traces that point into the
// TypeScript sources, as Node's --enable-source-maps gives, without its cost at cold start. Node
// with that flag reads and parses the bundle's whole source map (0.5-1.2 MB) when it loads the
// bundle, on every cold start; this reads it the first time a stack that runs through the
// bundle is formatted (an error logged or thrown out of the handler), which most execution
// environments never do. The frames are written like V8's own, with the source position of
// each frame in the bundle (`shared/store/messages.ts:42:7`, paths from the repository root).
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";

/** Formats every stack trace with the bundle's frames mapped to the sources; returns true. */
export function mapStackTraces(bundleUrl: string): true {
  let sourceMap: SourceMap | null | undefined;
  const load = (): SourceMap | null => {
    if (sourceMap === undefined) {
      try {
        sourceMap = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(bundleUrl)}.map`, "utf8")));
      } catch {
        sourceMap = null; // no map beside the bundle: frames stay as V8 writes them
      }
    }
    return sourceMap;
  };
  const inBundle = (frame: NodeJS.CallSite) => frame.getFileName() === bundleUrl;
  const positionOf = (map: SourceMap, frame: NodeJS.CallSite) => {
    const entry = map.findEntry((frame.getLineNumber() ?? 1) - 1, (frame.getColumnNumber() ?? 1) - 1);
    return "originalSource" in entry ? entry : undefined;
  };

  Error.prepareStackTrace = (error, frames) => {
    const map = frames.some(inBundle) ? load() : null;
    const lines = frames.map((frame, index) => {
      const position = map && inBundle(frame) ? positionOf(map, frame) : undefined;
      if (!position) return `    at ${frame}`;
      // The function's original name is the one its caller called it by, at the caller's call site.
      const caller = frames[index + 1];
      const callerPosition = caller && inBundle(caller) ? positionOf(map!, caller) : undefined;
      // Node's own types leave `name` out of a mapping; it is there when the map names the call.
      const name = (callerPosition as { name?: string } | undefined)?.name || frame.getFunctionName() || "<anonymous>";
      const prefix = `${frame.isAsync() ? "async " : ""}${frame.isConstructor() ? "new " : ""}`;
      return `    at ${prefix}${name} (${position.originalSource}:${position.originalLine + 1}:${position.originalColumn + 1})`;
    });
    return [header(error), ...lines].join("\n");
  };
  return true;
}

function header(error: Error): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return "Error";
  }
}

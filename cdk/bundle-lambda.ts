// `tsx cdk/bundle-lambda.ts <outroot> <entry>...`: the bundles of the stack's functions, for its
// asset step (cdk/constructs/manifest-function.ts), which must bundle synchronously while
// esbuild's plugins (cdk/lambda-bundling.ts) only run in its asynchronous API. One process
// bundles every entry side by side (a Node start per function cost more than its bundle); each
// goes to <outroot>/<bundleDirName(entry)>.
import path from "node:path";
import { bundleDirName, bundleLambda } from "./lambda-bundling.ts";

const [outroot, ...entries] = process.argv.slice(2);
if (!outroot || entries.length === 0) throw new Error("usage: tsx cdk/bundle-lambda.ts <outroot> <entry>...");
await Promise.all(entries.map((entry) => bundleLambda(entry, path.join(outroot, bundleDirName(entry)))));

// `tsx cdk/bundle-lambda.ts <entry> <outdir>`: one function's bundle, for the stack's asset
// step (cdk/constructs/manifest-function.ts), which must bundle synchronously while esbuild's
// plugins (cdk/lambda-bundling.ts) only run in its asynchronous API.
import { bundleLambda } from "./lambda-bundling.ts";

const [entry, outdir] = process.argv.slice(2);
if (!entry || !outdir) throw new Error("usage: tsx cdk/bundle-lambda.ts <entry> <outdir>");
await bundleLambda(entry, outdir);

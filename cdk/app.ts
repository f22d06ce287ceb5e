// CDK entry point (cdk.json: `npx tsx cdk/app.ts`). The stack is environment-agnostic, so synth
// needs no credentials or lookups; `cdk deploy` picks the account and region of the profile.
import { App } from "aws-cdk-lib";
import { PosthasteStack } from "./posthaste-stack.ts";
import { readSettings } from "./settings.ts";

const app = new App();
const stackName = (app.node.tryGetContext("stackName") as string | undefined) ?? "Posthaste";
new PosthasteStack(app, stackName, {
  description: "Posthaste: self-hosted transactional email",
  settings: readSettings((key) => app.node.tryGetContext(key)),
});
app.synth();

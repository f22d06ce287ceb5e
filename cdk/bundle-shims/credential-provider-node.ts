// Bundled into every Lambda in place of @aws-sdk/credential-provider-node, the SDK's default
// credential chain: only its first link, the environment. Why that is safe: cdk/lambda-bundling.ts.
import { fromEnv, type FromEnvInit } from "@aws-sdk/credential-provider-env";

export const defaultProvider = (init: FromEnvInit = {}) => fromEnv(init);

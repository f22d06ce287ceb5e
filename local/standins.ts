// The embedded stand-ins for AWS (docs/local.md): dynalite for DynamoDB (LevelDB under .data/),
// fauxqs for SQS and SNS (in memory), s3rver for S3 (files under .data/).
import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import path from "node:path";
import { startFauxqs } from "fauxqs";
import { closeDynaliteIteratorsOnReturn } from "./dynalite-iterators.ts";

const require = createRequire(import.meta.url);
const dynalite = require("dynalite") as (options: Record<string, unknown>) => import("node:http").Server;
const S3rver = require("s3rver") as new (options: Record<string, unknown>) => { run(): Promise<AddressInfo>; close(): Promise<void> };

export interface StandIns {
  endpoints: { dynamodb: string; sqs: string; s3: string };
  stop(): Promise<void>;
}

export interface StandInPorts {
  dynamodb: number;
  sqs: number;
  s3: number;
}

export async function startStandIns(dataDir: string, ports: StandInPorts = { dynamodb: 0, sqs: 0, s3: 0 }): Promise<StandIns> {
  const dynamoDir = path.join(dataDir, "dynamodb");
  const s3Dir = path.join(dataDir, "s3");
  await Promise.all([mkdir(dynamoDir, { recursive: true }), mkdir(s3Dir, { recursive: true })]);

  // Without it every Query and Scan leaves a LevelDB iterator open (local/dynalite-iterators.ts).
  closeDynaliteIteratorsOnReturn();
  const dynamo = dynalite({ path: dynamoDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => dynamo.once("error", reject).listen(ports.dynamodb, "127.0.0.1", () => resolve()));

  const fauxqs = await startFauxqs({ port: ports.sqs, logger: false, host: "localhost" });

  const s3 = new S3rver({ address: "127.0.0.1", port: ports.s3, directory: s3Dir, silent: true, vhostBuckets: false });
  const s3Address = await s3.run();

  return {
    endpoints: {
      dynamodb: `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`,
      sqs: `http://127.0.0.1:${fauxqs.port}`,
      s3: `http://127.0.0.1:${s3Address.port}`,
    },
    async stop() {
      await Promise.allSettled([new Promise<void>((resolve) => dynamo.close(() => resolve())), fauxqs.stop(), s3.close()]);
    },
  };
}

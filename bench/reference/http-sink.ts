// The reference for HTTP accept: a bare Node HTTP server, in its own process like the platform,
// that reads and parses the same JSON body and answers 200 with the same shape of result, and
// does nothing else. Prints {"port": n} on stdout once listening.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { Recipients?: { Address?: string }[] };
      const result = (body.Recipients ?? []).map((r, index) => ({
        Index: index,
        Address: r.Address,
        MessageId: randomUUID(),
        Code: "ok",
        Status: "ACCEPTED",
      }));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ Result: result, Code: "ok" }));
    } catch {
      res.writeHead(400, { "content-type": "application/json" }).end('{"Code":"validation_error"}');
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
process.on("SIGTERM", () => server.close(() => process.exit(0)));

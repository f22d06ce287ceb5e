// Plain HTTP GET /health for the NLB and the container health check: 200 while the SMTP server
// takes connections, 503 once it is draining, so the load balancer stops sending new sessions.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(port: number, healthy: () => boolean, host = "0.0.0.0"): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || req.url?.split("?")[0] !== "/health") {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
      return;
    }
    const ok = healthy();
    res.writeHead(ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ status: ok ? "ok" : "draining" }));
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, host, () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

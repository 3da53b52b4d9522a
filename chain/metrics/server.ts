import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "./registry.js";

// The Prometheus endpoint (CometBFT's instrumentation.prometheus_listen_addr): GET /metrics in
// the text format, with few connections (instrumentation.max_open_connections).

export interface MetricsServer {
  readonly address: string;
  close(): Promise<void>;
}

export async function createMetricsServer(
  opts: { host: string; port: number; maxOpenConnections: number },
  deps: { registry: Registry },
): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("not found: scrape GET /metrics\n");
      return;
    }
    void deps.registry.render().then(
      (text) => {
        res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
        res.end(text);
      },
      () => {
        res.writeHead(500, { "Content-Type": "text/plain" });
        res.end("metrics unavailable\n");
      },
    );
  });
  server.maxConnections = opts.maxOpenConnections;
  server.on("clientError", (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  return {
    address: `${a.address.includes(":") ? `[${a.address}]` : a.address}:${a.port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

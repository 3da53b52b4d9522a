import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "../../modules/sdk/context.js";
import { registerError } from "../../modules/sdk/errors.js";
import type { Switch } from "../p2p/switch.js";
import { isLoopbackHost } from "../types/nodeConfig.js";

// The node's control endpoint (p2p.control_laddr, off by default): a small HTTP server on a
// loopback address only, for fault injection on a development network (`tcd localnet
// disconnect`), as CometBFT's e2e runner disconnects a node. It is not part of the RPC: it
// listens on its own loopback port, answers only connections from a loopback address, and
// can do nothing but isolate the node's p2p for a while and report the node's status.
//
//   GET  /status                     {"height": "12", "peers": 3, "isolated_until_ms": 0}
//   POST /p2p/disconnect?seconds=N   drop every peer and refuse them for N seconds (1..3600)
//   POST /p2p/reconnect              end an isolation now

export const controlErrors = {
  notLoopback: registerError("control", 2, "the control endpoint listens on a loopback address only"),
};

const isLoopbackPeer = (a: string | undefined) => a !== undefined && (a === "::1" || /^(::ffff:)?127\./.test(a));

export interface ControlServer {
  readonly address: string;
  close(): Promise<void>;
}

export async function startControlServer(
  listen: { host: string; port: number },
  deps: { p2p: Switch | null; height: () => bigint; logger: Logger },
): Promise<ControlServer> {
  if (!isLoopbackHost(listen.host)) throw controlErrors.notLoopback.wrap(`p2p.control_laddr host ${listen.host}`);
  const reply = (res: ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (!isLoopbackPeer(req.socket.remoteAddress)) return reply(res, 403, { error: "loopback only" });
    const url = new URL(req.url ?? "/", "http://control");
    const p2p = deps.p2p;
    if (req.method === "GET" && url.pathname === "/status") {
      return reply(res, 200, {
        height: deps.height().toString(),
        peers: p2p?.peers().length ?? 0,
        isolated_until_ms: p2p?.isolatedUntil ?? 0,
      });
    }
    if (req.method === "POST" && url.pathname === "/p2p/disconnect") {
      const seconds = Number(url.searchParams.get("seconds") ?? "30");
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600)
        return reply(res, 400, { error: "seconds: an integer from 1 to 3600" });
      if (p2p === null) return reply(res, 409, { error: "this node runs no p2p" });
      deps.logger.warn("control: disconnecting from every peer", { seconds });
      p2p.isolate(seconds * 1000);
      return reply(res, 200, { isolated_until_ms: p2p.isolatedUntil });
    }
    if (req.method === "POST" && url.pathname === "/p2p/reconnect") {
      if (p2p === null) return reply(res, 409, { error: "this node runs no p2p" });
      p2p.isolate(0);
      return reply(res, 200, { isolated_until_ms: 0 });
    }
    return reply(res, 404, { error: "unknown control path" });
  };
  const server: Server = createServer((req, res) => {
    req.resume(); // no request body is read
    try {
      handle(req, res);
    } catch (e) {
      reply(res, 500, { error: (e as Error).message });
    }
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 5000;
  server.maxConnections = 8;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const a = server.address() as { address: string; port: number };
  return {
    address: `${a.address}:${a.port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import type { Logger } from "../../modules/sdk/context.js";
import { CodedError } from "../../modules/sdk/errors.js";
import type { NodeConfig } from "../node/config.js";
import type { Node } from "../node/node.js";
import { parseEventQuery } from "../store/eventQuery.js";
import type { Json } from "./format.js";
import { methods } from "./methods.js";
import { RpcError, type Params } from "./params.js";
import { eventMapJson, matchEvent, type Subscription } from "./subscriptions.js";

// CometBFT's RPC transport: JSON-RPC 2.0 over HTTP POST (single or batch), URI requests over
// GET (`/status`, `/block?height=5`), and WebSocket at /websocket with subscribe / unsubscribe.
// Every request is bounded (body size, connections, subscriptions, a slow client's backlog), and
// nothing a client sends can throw out of a handler.

export interface RpcServer {
  readonly address: string;
  close(): Promise<void>;
}

export interface RpcServerOptions {
  host: string;
  port: number;
  config: NodeConfig["rpc"];
  version: string;
}

type Id = number | string | null;

interface Request {
  id: Id;
  method: string;
  params: Params;
}

/** A WebSocket client that lets this much pile up unread is disconnected (CometBFT does too). */
const maxWsBacklogBytes = 32 * 1024 * 1024;

function ok(id: Id, result: Json): Json {
  return { jsonrpc: "2.0", id, result };
}

function fail(id: Id, code: number, message: string, data: string): Json {
  return { jsonrpc: "2.0", id, error: { code, message, data } };
}

function parseRequest(raw: unknown): Request | Json {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return fail(null, -32600, "Invalid Request", "request must be a JSON object");
  const r = raw as Record<string, unknown>;
  const id = r["id"];
  const validId = id === undefined || id === null || typeof id === "number" || typeof id === "string";
  if (!validId) return fail(null, -32600, "Invalid Request", "id must be a number, a string or null");
  const rid = (id ?? null) as Id;
  if (r["jsonrpc"] !== "2.0") return fail(rid, -32600, "Invalid Request", 'jsonrpc must be "2.0"');
  if (typeof r["method"] !== "string") return fail(rid, -32600, "Invalid Request", "method must be a string");
  const params = r["params"] ?? {};
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    return fail(rid, -32602, "Invalid params", "params must be an object of named params");
  }
  return { id: rid, method: r["method"], params: params as Params };
}

function isRequest(x: Request | Json): x is Request {
  return typeof x === "object" && x !== null && !Array.isArray(x) && "method" in x && "params" in x;
}

export async function createRpcServer(opts: RpcServerOptions, deps: { node: Node; logger: Logger }): Promise<RpcServer> {
  const { node, logger } = deps;

  async function call(req: Request): Promise<Json> {
    const m = Object.prototype.hasOwnProperty.call(methods, req.method) ? methods[req.method] : undefined;
    if (m === undefined) return fail(req.id, -32601, "Method not found", `method ${JSON.stringify(req.method)} is not served`);
    try {
      return ok(req.id, await m(node, req.params));
    } catch (e) {
      if (e instanceof RpcError) return fail(req.id, e.code, e.message, e.data);
      if (e instanceof CodedError) return fail(req.id, -32603, "Internal error", e.message);
      logger.error("rpc method failed", { method: req.method, error: (e as Error).stack ?? String(e) });
      return fail(req.id, -32603, "Internal error", (e as Error).message);
    }
  }

  async function handleBody(body: string): Promise<Json> {
    let raw: unknown;
    try {
      raw = JSON.parse(body);
    } catch (e) {
      return fail(null, -32700, "Parse error", `invalid JSON: ${(e as Error).message}`);
    }
    if (Array.isArray(raw)) {
      if (raw.length === 0) return fail(null, -32600, "Invalid Request", "empty batch");
      // Calls start in order (a broadcast enters the mempool queue synchronously), so a batch of
      // one sender's txs keeps its sequence order while their signatures are checked in parallel.
      return Promise.all(raw.map((r) => {
        const req = parseRequest(r);
        return isRequest(req) ? call(req) : req;
      }));
    }
    const req = parseRequest(raw);
    return isRequest(req) ? call(req) : req;
  }

  function cors(res: ServerResponse): void {
    res.setHeader("Access-Control-Allow-Origin", opts.config.cors_allowed_origins.join(" ") || "*");
    res.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    res.setHeader("Access-Control-Allow-Headers", "Content-Type, Origin, Accept, X-Requested-With");
  }

  function send(res: ServerResponse, status: number, body: Json | string): void {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "Content-Type": typeof body === "string" ? "text/html" : "application/json" });
    res.end(text);
  }

  function onHttp(req: IncomingMessage, res: ServerResponse): void {
    cors(res);
    if (req.method === "OPTIONS") {
      res.writeHead(204);
      res.end();
      return;
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET") {
      const name = url.pathname.slice(1);
      if (name === "") {
        const links = Object.keys(methods).sort().map((m) => `<a href="/${m}">/${m}</a>`).join("<br>");
        send(res, 200, `<html><body>Available endpoints:<br>${links}</body></html>`);
        return;
      }
      const params: Params = {};
      for (const [k, v] of url.searchParams) params[k] = v;
      void call({ id: -1, method: name, params }).then((r) => send(res, 200, r));
      return;
    }
    if (req.method !== "POST") {
      send(res, 405, fail(null, -32600, "Invalid Request", "use GET or POST"));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (c: Buffer) => {
      if (tooLarge) return;
      size += c.length;
      if (size > opts.config.max_body_bytes) {
        tooLarge = true;
        send(res, 413, fail(null, -32600, "Invalid Request", `request body larger than ${opts.config.max_body_bytes} bytes`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (tooLarge) return;
      void handleBody(Buffer.concat(chunks).toString("utf8")).then((r) => send(res, 200, r));
    });
    req.on("error", () => res.destroy());
  }

  const server = createServer({ keepAliveTimeout: 65_000 }, onHttp);
  server.maxConnections = opts.config.max_open_connections;
  server.on("clientError", (_err, socket) => socket.destroy());

  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.config.max_body_bytes });
  const clients = new Set<WebSocket>();
  server.on("upgrade", (req, socket, head) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== "/websocket" || clients.size >= opts.config.max_subscription_clients) {
      socket.write("HTTP/1.1 " + (path !== "/websocket" ? "404 Not Found" : "503 Service Unavailable") + "\r\n\r\n");
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onWs(ws));
  });

  function onWs(ws: WebSocket): void {
    clients.add(ws);
    const subs: Subscription[] = [];
    const sendWs = (msg: Json) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > maxWsBacklogBytes) {
        logger.warn("dropping slow websocket client", { backlog: ws.bufferedAmount });
        ws.terminate();
        return;
      }
      ws.send(JSON.stringify(msg));
    };
    const unsubscribeBus = node.eventBus.subscribe((e) => {
      if (subs.length === 0) return;
      for (const m of matchEvent(subs, e)) sendWs(ok(m.sub.id, { query: m.sub.text, data: m.data, events: eventMapJson(m.events) }));
    });
    ws.on("message", (data, isBinary) => {
      if (isBinary) return sendWs(fail(null, -32700, "Parse error", "binary messages are not accepted"));
      let raw: unknown;
      try {
        raw = JSON.parse(data.toString());
      } catch (e) {
        return sendWs(fail(null, -32700, "Parse error", `invalid JSON: ${(e as Error).message}`));
      }
      const req = parseRequest(raw);
      if (!isRequest(req)) return sendWs(req);
      if (req.method === "subscribe" || req.method === "unsubscribe") {
        const text = req.params["query"];
        if (typeof text !== "string") return sendWs(fail(req.id, -32602, "Invalid params", "missing param query"));
        if (req.method === "unsubscribe") {
          const i = subs.findIndex((s) => s.text === text);
          if (i < 0) return sendWs(fail(req.id, -32603, "Internal error", "subscription not found"));
          subs.splice(i, 1);
          return sendWs(ok(req.id, {}));
        }
        let query;
        try {
          query = parseEventQuery(text);
        } catch (e) {
          return sendWs(fail(req.id, -32602, "Invalid params", (e as Error).message));
        }
        if (subs.length >= opts.config.max_subscriptions_per_client) {
          return sendWs(fail(req.id, -32603, "Internal error", `max_subscriptions_per_client ${opts.config.max_subscriptions_per_client} reached`));
        }
        if (subs.some((s) => s.text === text)) return sendWs(fail(req.id, -32603, "Internal error", "already subscribed"));
        subs.push({ id: req.id, text, query });
        return sendWs(ok(req.id, {}));
      }
      if (req.method === "unsubscribe_all") {
        subs.length = 0;
        return sendWs(ok(req.id, {}));
      }
      void call(req).then(sendWs);
    });
    ws.on("error", () => ws.terminate());
    ws.on("close", () => {
      unsubscribeBus();
      clients.delete(ws);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const address = `${addr.address.includes(":") ? `[${addr.address}]` : addr.address}:${addr.port}`;
  return {
    address,
    async close() {
      for (const c of clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

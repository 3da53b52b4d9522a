import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import type { Logger } from "../../modules/sdk/context.js";
import { CodedError } from "../../modules/sdk/errors.js";
import type { NodeConfig } from "../types/nodeConfig.js";
import type { RpcBackend } from "./backend.js";
import { parseEventQuery } from "../store/eventQuery.js";
import type { Json } from "./format.js";
import { applyCors, readBody } from "./http.js";
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

/** An error answer as CometBFT writes it: no `id` when it is unknown, no `data` when empty. */
function fail(id: Id, code: number, message: string, data = ""): Json {
  const error: Json = data === "" ? { code, message } : { code, message, data };
  return id === null ? { jsonrpc: "2.0", error } : { jsonrpc: "2.0", id, error };
}

const parseError = (data: string) => fail(null, -32700, "Parse error. Invalid JSON", data);

/** A body entry that CometBFT's decoder (Go's encoding/json into RPCRequest) refuses: the whole body is a parse error. */
class BadEntry extends Error {}

/**
 * One entry of a JSON-RPC body, read as CometBFT reads it: an entry without an id (or with a
 * null one) is a notification and gets no answer (null here); `jsonrpc` is not checked; a
 * missing method is the empty name (-32601). An entry Go cannot decode (not an object, an id
 * that is neither a number nor a string, a method or jsonrpc that is not a string) makes the
 * whole body a parse error.
 */
function parseRequest(raw: unknown): Request | Json | null {
  if (raw === null) return null;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new BadEntry("a request must be a JSON object");
  const r = raw as Record<string, unknown>;
  for (const k of ["jsonrpc", "method"]) {
    if (r[k] !== undefined && r[k] !== null && typeof r[k] !== "string") throw new BadEntry(`${k} must be a string`);
  }
  const id = r["id"];
  if (id === undefined || id === null) return null;
  if (typeof id !== "number" && typeof id !== "string") throw new BadEntry("id must be a number or a string");
  const method = typeof r["method"] === "string" ? r["method"] : "";
  const params = r["params"] ?? {};
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    return fail(
      id,
      -32602,
      "Invalid params",
      "error converting json params to arguments: params must be an object of named params",
    );
  }
  return { id, method, params: params as Params };
}

function isRequest(x: Request | Json): x is Request {
  return typeof x === "object" && x !== null && !Array.isArray(x) && "method" in x && "params" in x;
}

/**
 * Whether a WebSocket upgrade may proceed, by its Origin header (CometBFT admits every origin;
 * this node does not, so that a page on another site cannot use a browser as its client):
 * - no Origin: not a page in a browser (cosmjs in Node, curl, Go clients): admitted;
 * - an origin rpc.cors_allowed_origins lists, or any when it lists "*": admitted;
 * - the node's own dashboard: the API server's port on the host name the browser used for this
 *   socket (Host header), over http, as the page served by the API server builds the socket's
 *   address from its own location. Nothing else (another port, another host, https, a path).
 */
export function wsOriginAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
  apiAddress: string,
): boolean {
  if (origin === undefined) return true;
  if (allowed.includes("*") || allowed.includes(origin)) return true;
  if (apiAddress === "" || host === undefined) return false;
  let o: URL;
  let h: URL;
  try {
    o = new URL(origin);
    h = new URL(`http://${host}`);
  } catch {
    return false;
  }
  const apiPort = apiAddress.slice(apiAddress.lastIndexOf(":") + 1);
  return (
    o.protocol === "http:" &&
    o.origin === origin &&
    (o.port === "" ? "80" : o.port) === apiPort &&
    o.hostname === h.hostname &&
    h.username === "" &&
    h.pathname === "/"
  );
}

export async function createRpcServer(
  opts: RpcServerOptions,
  deps: { node: RpcBackend; logger: Logger },
): Promise<RpcServer> {
  const { node, logger } = deps;

  async function call(req: Request): Promise<Json> {
    const m = Object.prototype.hasOwnProperty.call(methods, req.method) ? methods[req.method] : undefined;
    if (m === undefined) return fail(req.id, -32601, "Method not found");
    try {
      return ok(req.id, await m(node, req.params));
    } catch (e) {
      if (e instanceof RpcError) return fail(req.id, e.code, e.message, e.data);
      if (e instanceof CodedError) return fail(req.id, -32603, "Internal error", e.message);
      logger.error("rpc method failed", { method: req.method, error: (e as Error).stack ?? String(e) });
      return fail(req.id, -32603, "Internal error", (e as Error).message);
    }
  }

  const cfg = opts.config;
  const tooLarge = (id: Id) =>
    fail(
      id,
      -32001,
      "Response too large",
      `the answer is larger than rpc.max_response_bytes (${cfg.max_response_bytes}); ask for less (one request, a smaller page)`,
    );

  /** One call's answer as JSON text, replaced by error -32001 when larger than `budget` bytes. */
  async function callText(req: Request, budget: number): Promise<string> {
    const text = JSON.stringify(await call(req));
    return text.length > budget ? JSON.stringify(tooLarge(req.id)) : text;
  }

  const broadcasts = new Set(["broadcast_tx_sync", "broadcast_tx_async"]);

  /**
   * A JSON-RPC body (one request or a batch) answered as JSON text. A batch is at most
   * rpc.max_batch_requests long and its answers together at most rpc.max_response_bytes: past
   * that budget each remaining call answers -32001 without running. Calls run one after another
   * with a turn of the event loop between them, so a batch cannot hold up block production; a run
   * of broadcasts starts in order (each enters the mempool queue synchronously, keeping one
   * sender's sequence order) and has its signatures checked in parallel.
   */
  async function handleBody(body: string): Promise<{ status: number; text: string }> {
    let raw: unknown;
    try {
      raw = JSON.parse(body);
    } catch (e) {
      return { status: 500, text: JSON.stringify(parseError(`error unmarshaling request: ${(e as Error).message}`)) };
    }
    const entries = Array.isArray(raw) ? raw : [raw];
    if (entries.length > cfg.max_batch_requests) {
      return {
        status: 200,
        text: JSON.stringify(
          fail(
            null,
            -32600,
            "Invalid Request",
            `batch of ${entries.length} requests is longer than rpc.max_batch_requests (${cfg.max_batch_requests})`,
          ),
        ),
      };
    }
    let parsed: Array<Request | Json | null>;
    try {
      parsed = entries.map(parseRequest);
    } catch (e) {
      if (!(e instanceof BadEntry)) throw e;
      return { status: 500, text: JSON.stringify(parseError(`error unmarshaling request: ${e.message}`)) };
    }
    // Notifications get no answer; a body of only notifications (or an empty batch) gets an
    // empty one, and a batch with one answer gets it unwrapped, as from CometBFT.
    const reqs = parsed.filter((r): r is Request | Json => r !== null);
    if (reqs.length === 0) return { status: 200, text: "" };
    if (reqs.length === 1) {
      const req = reqs[0]!;
      return { status: 200, text: isRequest(req) ? await callText(req, cfg.max_response_bytes) : JSON.stringify(req) };
    }
    // The smallest answer each call can get (its error), summed from the end: what must stay free
    // after serving call k so that the calls after it still fit as errors within the cap.
    const minimal = reqs.map((r) => JSON.stringify(isRequest(r) ? tooLarge(r.id) : r).length + 1);
    const reserve = new Array<number>(reqs.length + 1).fill(0);
    for (let k = reqs.length - 1; k >= 0; k--) reserve[k] = reserve[k + 1]! + minimal[k]!;
    const out: string[] = [];
    let used = 2;
    for (let i = 0; i < reqs.length;) {
      const r = reqs[i]!;
      if (!isRequest(r)) {
        out.push(JSON.stringify(r));
        used += out[out.length - 1]!.length + 1;
        i++;
        continue;
      }
      let j = i + 1;
      if (broadcasts.has(r.method))
        while (j < reqs.length && isRequest(reqs[j]!) && broadcasts.has((reqs[j] as Request).method)) j++;
      const group = reqs.slice(i, j) as Request[];
      const room = cfg.max_response_bytes - used - reserve[i + 1]!;
      const texts =
        room <= 0
          ? group.map((g) => JSON.stringify(tooLarge(g.id)))
          : await Promise.all(group.map((g) => callText(g, room)));
      for (let k = 0; k < texts.length; k++) {
        let t = texts[k]!;
        if (used + t.length + 1 + reserve[i + k + 1]! > cfg.max_response_bytes)
          t = JSON.stringify(tooLarge(group[k]!.id));
        out.push(t);
        used += t.length + 1;
      }
      i = j;
      await new Promise<void>((r) => setImmediate(r));
    }
    return { status: 200, text: `[${out.join(",")}]` };
  }

  /** CORS as CometBFT's: none unless rpc.cors_allowed_origins lists the request's origin (or "*"). */
  function cors(req: IncomingMessage, res: ServerResponse): void {
    applyCors(req, res, cfg.cors_allowed_origins, {
      methods: "HEAD, GET, POST",
      headers: "Origin, Accept, Content-Type, X-Requested-With, X-Server-Time",
    });
  }

  function send(res: ServerResponse, status: number, body: Json | string, type = "application/json"): void {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "Content-Type": type });
    res.end(text);
  }

  function onHttp(req: IncomingMessage, res: ServerResponse): void {
    cors(req, res);
    if (req.method === "OPTIONS") {
      res.writeHead(204);
      res.end();
      return;
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const name = url.pathname.slice(1);
    const listEndpoints = () => {
      const links = Object.keys(methods)
        .sort()
        .map((m) => `<a href="/${m}">/${m}</a>`)
        .join("<br>");
      send(res, 200, `<html><body>Available endpoints:<br>${links}</body></html>`, "text/html");
    };
    // As CometBFT's mux: `/<method>` (GET or POST) takes its params from the URI and answers an
    // error with HTTP 500; `/` takes JSON-RPC bodies; any other path is 404.
    if (name !== "" && (req.method === "GET" || req.method === "POST")) {
      req.resume();
      if (!Object.prototype.hasOwnProperty.call(methods, name)) {
        send(res, 404, "404 page not found\n", "text/plain; charset=utf-8");
        return;
      }
      const params: Params = {};
      for (const [k, v] of url.searchParams) params[k] = v;
      void call({ id: -1, method: name, params }).then((r) => {
        const text = JSON.stringify(r);
        if (text.length > cfg.max_response_bytes) send(res, 500, tooLarge(-1));
        else send(res, "error" in (r as Record<string, Json>) ? 500 : 200, text);
      });
      return;
    }
    if (req.method === "GET") {
      listEndpoints();
      return;
    }
    if (req.method !== "POST") {
      send(res, 405, fail(null, -32600, "Invalid Request", "use GET or POST"));
      return;
    }
    readBody(
      req,
      res,
      opts.config.max_body_bytes,
      // CometBFT's http.MaxBytesReader fails the read: HTTP 400, -32600.
      () =>
        send(
          res,
          400,
          fail(null, -32600, "Invalid Request", "error reading request body: http: request body too large"),
        ),
      (body) => {
        if (body.length === 0) return listEndpoints();
        void handleBody(body.toString("utf8")).then((r) => send(res, r.status, r.text));
      },
    );
  }

  const server = createServer({ keepAliveTimeout: 65_000 }, onHttp);
  server.maxConnections = opts.config.max_open_connections;
  server.on("clientError", (_err, socket) => socket.destroy());

  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.config.max_body_bytes });
  const clients = new Set<WebSocket>();
  server.on("upgrade", (req, socket, head) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (
      path === "/websocket" &&
      !wsOriginAllowed(req.headers.origin, req.headers.host, cfg.cors_allowed_origins, node.apiAddress ?? "")
    ) {
      socket.write(
        "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nwebsocket origin not allowed (rpc.cors_allowed_origins)\n",
      );
      socket.destroy();
      return;
    }
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
    let inFlight = 0;
    const sendWsText = (text: string) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > maxWsBacklogBytes) {
        logger.warn("dropping slow websocket client", { backlog: ws.bufferedAmount });
        ws.terminate();
        return;
      }
      ws.send(text);
    };
    const sendWs = (msg: Json) => sendWsText(JSON.stringify(msg));
    const unsubscribeBus = node.eventBus.subscribe((e) => {
      if (subs.length === 0) return;
      for (const m of matchEvent(subs, e))
        sendWs(ok(m.sub.id, { query: m.sub.text, data: m.data, events: eventMapJson(m.events) }));
    });
    ws.on("message", (data, isBinary) => {
      if (isBinary) return sendWs(parseError("binary messages are not accepted"));
      let req: Request | Json | null;
      try {
        req = parseRequest(JSON.parse(data.toString()));
      } catch (e) {
        return sendWs(parseError(`error unmarshaling request: ${(e as Error).message}`));
      }
      if (req === null) return; // a notification: no answer
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
          return sendWs(
            fail(
              req.id,
              -32603,
              "Internal error",
              `max_subscriptions_per_client ${opts.config.max_subscriptions_per_client} reached`,
            ),
          );
        }
        if (subs.some((s) => s.text === text))
          return sendWs(fail(req.id, -32603, "Internal error", "already subscribed"));
        subs.push({ id: req.id, text, query });
        return sendWs(ok(req.id, {}));
      }
      if (req.method === "unsubscribe_all") {
        subs.length = 0;
        return sendWs(ok(req.id, {}));
      }
      if (inFlight >= cfg.max_ws_concurrent_requests) {
        return sendWs(
          fail(
            req.id,
            -32003,
            "Too many requests",
            `this connection already has rpc.max_ws_concurrent_requests (${cfg.max_ws_concurrent_requests}) requests in progress; wait for their answers`,
          ),
        );
      }
      inFlight++;
      void call(req)
        .then((r) => {
          const text = JSON.stringify(r);
          sendWsText(text.length > cfg.max_response_bytes ? JSON.stringify(tooLarge(req.id)) : text);
        })
        .finally(() => inFlight--);
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

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { BroadcastMode } from "cosmjs-types/cosmos/tx/v1beta1/service";
import type { Logger } from "../../modules/sdk/context.js";
import { loadProto } from "../../modules/sdk/proto.js";
import { hashTx } from "../mempool/mempool.js";
import { abciQuery } from "../rpc/nodeQueries.js";
import type { RpcBackend } from "../rpc/backend.js";
import { applyCors, readBody } from "../rpc/http.js";
import { camel, convert, type Json } from "./json.js";
import { cosmosRoutes, matchRoute, type Route } from "./routes.js";
import { dashboardConfig, dashboardFile } from "./dashboard/serve.js";

// The REST API: the Cosmos SDK's gRPC-gateway routes (chain/api/routes.ts) and tcompute's own
// modules under /tcompute/<module>/v1/<query>, each a translation of an HTTP request into the ABCI
// query that answers it, and of the protobuf answer into the gateway's JSON. Errors are the
// gateway's {code, message, details} with gRPC codes and their HTTP statuses. Bodies, URLs and
// connections are bounded; CORS is off unless configured, as the SDK's enabled-unsafe-cors.

export interface ApiConfig {
  enable: boolean;
  address: string;
  max_body_bytes: number;
  max_open_connections: number;
  cors_allowed_origins: string[];
}

export interface ApiServer {
  readonly address: string;
  close(): Promise<void>;
}

/** gRPC status codes the gateway answers with, and their HTTP statuses (grpc-gateway's table). */
const grpc = {
  invalidArgument: { code: 3, http: 400 },
  notFound: { code: 5, http: 404 },
  unknown: { code: 2, http: 500 },
  unimplemented: { code: 12, http: 501 },
  resourceExhausted: { code: 8, http: 429 },
} as const;

class ApiError extends Error {
  constructor(
    readonly status: { code: number; http: number },
    message: string,
  ) {
    super(message);
  }
}

const maxUrlBytes = 8 * 1024;

/** The gRPC status an ABCI error of the SDK's codespace stands for. */
function statusOf(codespace: string, code: number): { code: number; http: number } {
  if (codespace === "sdk") {
    if (code === 22 || code === 38) return grpc.notFound;
    if (code === 6) return grpc.unimplemented;
    if ([2, 3, 4, 5, 7, 10, 18, 19, 21, 32, 39].includes(code)) return grpc.invalidArgument;
    return grpc.unknown;
  }
  // A damaged tx index record (chain/store/txIndex.ts) is the node's fault.
  if (codespace === "txindex" && code === 3) return grpc.unknown;
  return grpc.invalidArgument;
}

/** Request fields from path bindings and the query string (`pagination.limit=5` nests). */
function requestObject(bindings: Record<string, string>, query: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (key: string, value: string) => {
    const path = key.split(".");
    let o = out;
    for (const p of path.slice(0, -1)) {
      if (typeof o[p] !== "object" || o[p] === null) o[p] = {};
      o = o[p] as Record<string, unknown>;
    }
    const last = path[path.length - 1]!;
    const v: unknown = value === "true" ? true : value === "false" ? false : value;
    const prev = o[last];
    o[last] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  };
  for (const [k, v] of query) {
    if (!/^[a-z_][a-z0-9_.]{0,63}$/.test(k)) continue;
    // The page request's uint64s, as the gateway's ParseUint reads them: the codecs would wrap
    // 2^64 to 0 (a default page) and -1 to 2^64 - 1 (an offset past everything). Empty is unset.
    if (pageUint64s.includes(k) && !(/^[0-9]{0,20}$/.test(v) && BigInt(v) < 2n ** 64n))
      throw new ApiError(
        grpc.invalidArgument,
        `type mismatch, parameter: ${k}, error: ${JSON.stringify(v)} is not a uint64`,
      );
    put(k, v);
  }
  for (const [k, v] of Object.entries(bindings)) put(k, v);
  const o = camel(out) as Record<string, unknown>;
  for (const k of enumFields) if (typeof o[k] === "string" && /^[0-9]{1,9}$/.test(o[k])) o[k] = Number(o[k]);
  return o;
}

const pageUint64s = ["pagination.offset", "pagination.limit"];

/** Enum request fields: by name or by number, as the gateway reads them; anything else is refused. */
const enumFields = ["proposalStatus", "orderBy"] as const;
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const pascal = (s: string) =>
  s
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");

/** tcompute's own queries: /tcompute/<module>/v1/<snake_method>?<fields> → /tcompute.<module>.v1.Query/<Method>. */
function tcomputeRoute(parts: string[]): {
  path: string;
  request: { fromObject(o: Record<string, unknown>): unknown; encode(m: unknown): { finish(): Uint8Array } };
  response: { decode(b: Uint8Array): unknown; toObject(m: unknown, o: Record<string, unknown>): unknown };
} | null {
  if (parts.length !== 4 || parts[0] !== "tcompute" || parts[2] !== "v1") return null;
  const [, mod, , method] = parts as [string, string, string, string];
  if (!/^[a-z]{1,32}$/.test(mod) || !/^[a-z][a-z_]{0,63}$/.test(method)) return null;
  let root;
  try {
    root = loadProto(`${mod}/v1/${mod}.proto`);
  } catch {
    return null;
  }
  const M = pascal(method);
  const find = (name: string) => {
    try {
      return root.lookupType(`tcompute.${mod}.v1.${name}`);
    } catch {
      return null;
    }
  };
  const request = find(`Query${M}Request`);
  const response = find(`Query${M}Response`) ?? find(`Query${M.replace(/By[A-Z].*$/, "")}Response`);
  if (request === null || response === null) return null;
  return {
    path: `/tcompute.${mod}.v1.Query/${M}`,
    request,
    response: response as unknown as {
      decode(b: Uint8Array): unknown;
      toObject(m: unknown, o: Record<string, unknown>): unknown;
    },
  };
}

export async function createApiServer(
  opts: { host: string; port: number; config: ApiConfig },
  deps: { node: RpcBackend; logger: Logger },
): Promise<ApiServer> {
  const { node, logger } = deps;
  const cfg = opts.config;

  async function query(path: string, data: Uint8Array, height: bigint): Promise<Uint8Array> {
    const r = await abciQuery(node, { path, data, height });
    if (r.code !== 0)
      throw new ApiError(statusOf(r.codespace, r.code), r.log.replace(/^rpc error: code = \w+ desc = /, ""));
    return r.value;
  }

  function heightHeader(req: IncomingMessage): bigint {
    const h = req.headers["x-cosmos-block-height"];
    if (h === undefined) return 0n;
    if (typeof h !== "string" || !/^[0-9]{1,19}$/.test(h))
      throw new ApiError(grpc.invalidArgument, "x-cosmos-block-height must be a block height");
    return BigInt(h);
  }

  async function cosmos(
    route: Route,
    bindings: Record<string, string>,
    url: URL,
    body: unknown,
    height: bigint,
  ): Promise<Json> {
    for (const [k, v] of Object.entries(bindings)) {
      if (k === "height" && !/^[0-9]{1,19}$/.test(v))
        throw new ApiError(grpc.invalidArgument, `${k} must be a block height`);
      if (k === "proposal_id" && !(/^[0-9]{1,20}$/.test(v) && BigInt(v) < 2n ** 64n))
        throw new ApiError(
          grpc.invalidArgument,
          `type mismatch, parameter: ${k}, error: ${JSON.stringify(v)} is not a uint64`,
        );
    }
    const fields =
      route.method === "POST" ? (camel(body) as Record<string, unknown>) : requestObject(bindings, url.searchParams);
    let msg: unknown;
    try {
      msg = route.request.fromJSON(fields);
    } catch (e) {
      throw new ApiError(grpc.invalidArgument, `invalid request: ${(e as Error).message}`);
    }
    for (const k of enumFields) {
      if ((msg as Record<string, unknown>)[k] === -1)
        throw new ApiError(
          grpc.invalidArgument,
          `type mismatch, parameter: ${snake(k)}, error: ${JSON.stringify(fields[k])} is not a valid enum value`,
        );
    }
    const value = await query(route.path, route.request.encode(msg).finish(), height);
    const decoded = route.response.decode(value);
    return convert(route.response.toJSON(decoded), false, decoded);
  }

  async function tcompute(parts: string[], url: URL, height: bigint): Promise<Json | null> {
    const r = tcomputeRoute(parts);
    if (r === null) return null;
    let data: Uint8Array;
    try {
      data = r.request.encode(r.request.fromObject(requestObject({}, url.searchParams))).finish();
    } catch (e) {
      throw new ApiError(grpc.invalidArgument, `invalid request: ${(e as Error).message}`);
    }
    const value = await query(r.path, data, height);
    return convert(
      r.response.toObject(r.response.decode(value), {
        longs: String,
        enums: String,
        bytes: String,
        defaults: true,
        arrays: true,
      }),
    );
  }

  async function broadcast(body: unknown): Promise<Json> {
    const b = (typeof body === "object" && body !== null ? body : {}) as { tx_bytes?: unknown; mode?: unknown };
    if (typeof b.tx_bytes !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(b.tx_bytes) || b.tx_bytes.length === 0)
      throw new ApiError(grpc.invalidArgument, "tx_bytes must be the base64 of a TxRaw");
    const mode = b.mode === undefined ? "BROADCAST_MODE_SYNC" : b.mode;
    if (
      mode !== "BROADCAST_MODE_SYNC" &&
      mode !== "BROADCAST_MODE_ASYNC" &&
      mode !== BroadcastMode.BROADCAST_MODE_SYNC &&
      mode !== BroadcastMode.BROADCAST_MODE_ASYNC
    ) {
      throw new ApiError(
        grpc.invalidArgument,
        `unsupported broadcast mode ${JSON.stringify(mode)}: use BROADCAST_MODE_SYNC or BROADCAST_MODE_ASYNC`,
      );
    }
    const tx = Buffer.from(b.tx_bytes, "base64");
    if (tx.length > node.config.mempool.max_tx_bytes)
      throw new ApiError(grpc.invalidArgument, `tx is larger than ${node.config.mempool.max_tx_bytes} bytes`);
    const sync = mode === "BROADCAST_MODE_SYNC" || mode === BroadcastMode.BROADCAST_MODE_SYNC;
    const r = sync
      ? await node.mempool.add(tx)
      : (void node.mempool.add(tx), { code: 0, log: "", codespace: "", hash: hashTx(tx) });
    return {
      tx_response: {
        height: "0",
        txhash: r.hash,
        codespace: r.codespace,
        code: r.code,
        data: "",
        raw_log: r.log,
        logs: [],
        info: "",
        gas_wanted: "0",
        gas_used: "0",
        tx: null,
        timestamp: "",
        events: [],
      },
    };
  }

  function cors(req: IncomingMessage, res: ServerResponse): void {
    applyCors(req, res, cfg.cors_allowed_origins, {
      methods: "GET, POST, OPTIONS",
      headers: "Content-Type, Accept, Origin, x-cosmos-block-height",
    });
  }

  function send(res: ServerResponse, status: number, body: Json): void {
    if (res.headersSent) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(text);
  }

  const fail = (res: ServerResponse, e: ApiError) =>
    send(res, e.status.http, { code: e.status.code, message: e.message, details: [] });

  async function handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const height = heightHeader(req);
    const method = req.method === "POST" ? "POST" : "GET";
    if (method === "POST" && url.pathname.replace(/\/$/, "") === "/cosmos/tx/v1beta1/txs")
      return send(res, 200, await broadcast(body));
    const m = matchRoute(cosmosRoutes, method, url.pathname);
    if (m !== null) return send(res, 200, await cosmos(m.route, m.bindings, url, body, height));
    if (method === "GET") {
      if (url.pathname === "/dashboard/config.json") return send(res, 200, dashboardConfig(node.rpcAddress));
      const f = await dashboardFile(url.pathname);
      if (f !== null) {
        res.writeHead(200, {
          "Content-Type": f.type,
          "Cache-Control": "no-cache",
          "X-Content-Type-Options": "nosniff",
        });
        res.end(f.body);
        return;
      }
      const t = await tcompute(
        url.pathname.split("/").filter((s) => s !== ""),
        url,
        height,
      );
      if (t !== null) return send(res, 200, t);
    }
    throw new ApiError(grpc.notFound, "Not Found");
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    cors(req, res);
    if (req.method === "OPTIONS") {
      res.writeHead(204);
      res.end();
      return;
    }
    if ((req.url ?? "").length > maxUrlBytes)
      return fail(res, new ApiError(grpc.invalidArgument, `URL longer than ${maxUrlBytes} bytes`));
    if (req.method !== "GET" && req.method !== "POST")
      return fail(res, new ApiError(grpc.unimplemented, `method ${req.method} is not served`));
    const run = (body: unknown) =>
      handle(req, res, body).catch((e: unknown) => {
        if (e instanceof ApiError) return fail(res, e);
        logger.error("api request failed", { url: req.url, error: (e as Error).stack ?? String(e) });
        fail(res, new ApiError(grpc.unknown, (e as Error).message));
      });
    if (req.method === "GET") {
      void run(undefined);
      return;
    }
    readBody(
      req,
      res,
      cfg.max_body_bytes,
      () =>
        fail(
          res,
          new ApiError(grpc.resourceExhausted, `request body larger than api.max_body_bytes (${cfg.max_body_bytes})`),
        ),
      (raw) => {
        let body: unknown;
        try {
          body = raw.length === 0 ? {} : JSON.parse(raw.toString("utf8"));
        } catch (e) {
          return fail(res, new ApiError(grpc.invalidArgument, `invalid JSON body: ${(e as Error).message}`));
        }
        void run(body);
      },
    );
  }

  const server = createServer({ keepAliveTimeout: 65_000, maxHeaderSize: 16 * 1024 }, onRequest);
  server.maxConnections = cfg.max_open_connections;
  server.on("clientError", (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    address: `${addr.address.includes(":") ? `[${addr.address}]` : addr.address}:${addr.port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { registerError } from "../../modules/sdk/errors.js";

// The node's config/tcd.json (config/config.json before: CometBFT reads any config/config.*,
// so the name is left to its config.toml): CometBFT's sections and names (rpc, p2p, mempool, consensus,
// tx_index), in JSON. Missing fields take their defaults, so that old files keep working.

const loopbackHosts = new Set(["127.0.0.1", "::1", "localhost"]);

/** A host name or address that stays on this machine. */
export function isLoopbackHost(host: string): boolean {
  return loopbackHosts.has(host) || /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(host);
}

export const configErrors = {
  invalid: registerError("config", 2, "invalid config"),
};

export interface NodeConfig {
  moniker: string;
  log_level: "debug" | "info" | "warn" | "error";
  rpc: {
    laddr: string;
    max_body_bytes: number;
    max_open_connections: number;
    max_subscription_clients: number;
    max_subscriptions_per_client: number;
    /** Origins allowed cross-origin requests: [] (the default, as CometBFT's) sends no CORS headers, ["*"] allows any. */
    cors_allowed_origins: string[];
    /** Requests in one JSON-RPC batch; a longer batch is refused whole. */
    max_batch_requests: number;
    /** Bytes of one answer (a batch's answers together); past it, the rest are errors -32001. */
    max_response_bytes: number;
    /** Requests one WebSocket connection may have in progress; more are answered -32003. */
    max_ws_concurrent_requests: number;
    /** Index entries one tx_search may read; a query matching more is refused (-32602). */
    max_tx_search_entries: number;
  };
  p2p: {
    laddr: string;
    external_address: string;
    persistent_peers: string;
    seeds: string;
    max_num_inbound_peers: number;
    max_num_outbound_peers: number;
    pex: boolean;
    handshake_timeout: string;
    partial_message_timeout: string;
    control_laddr: string;
    /**
     * The p2p wire protocol: "tcompute" (the TypeScript engine's, default) or "cometbft"
     * (CometBFT v0.38's, to follow a CometBFT network by block sync; docs/node.md "Mixed networks").
     */
    wire: "tcompute" | "cometbft";
  };
  mempool: {
    size: number;
    max_txs_bytes: number;
    max_tx_bytes: number;
    cache_size: number;
    recheck: boolean;
    max_pending_checks: number;
    /** Of max_pending_checks, the most txs from one peer (gossip) at once. */
    max_pending_checks_per_peer: number;
    /** Of max_pending_checks, places only clients' (RPC) txs may take: peers together hold the rest. */
    rpc_reserved_pending_checks: number;
  };
  consensus: {
    timeout_propose: string;
    timeout_propose_delta: string;
    timeout_prevote: string;
    timeout_prevote_delta: string;
    timeout_precommit: string;
    timeout_precommit_delta: string;
    timeout_commit: string;
    create_empty_blocks: boolean;
    create_empty_blocks_interval: string;
  };
  tx_index: { indexer: "kv" | "null" };
  /** The REST API (the SDK's app.toml [api]): off by default, as the SDK's. */
  api: {
    enable: boolean;
    address: string;
    max_body_bytes: number;
    max_open_connections: number;
    cors_allowed_origins: string[];
  };
  /** Prometheus metrics (CometBFT's [instrumentation]): off by default, as CometBFT's. */
  instrumentation: {
    prometheus: boolean;
    prometheus_listen_addr: string;
    max_open_connections: number;
    namespace: string;
  };
}

export function defaultConfig(moniker: string): NodeConfig {
  return {
    moniker,
    log_level: "info",
    rpc: {
      laddr: "tcp://127.0.0.1:26657",
      max_body_bytes: 1_000_000,
      max_open_connections: 900,
      max_subscription_clients: 100,
      max_subscriptions_per_client: 5,
      cors_allowed_origins: [],
      max_batch_requests: 50,
      max_response_bytes: 32 * 1024 * 1024,
      max_ws_concurrent_requests: 16,
      max_tx_search_entries: 10_000,
    },
    p2p: {
      laddr: "tcp://127.0.0.1:26656",
      external_address: "",
      persistent_peers: "",
      seeds: "",
      max_num_inbound_peers: 40,
      max_num_outbound_peers: 10,
      pex: true,
      handshake_timeout: "20s",
      partial_message_timeout: "60s",
      control_laddr: "",
      wire: "tcompute",
    },
    mempool: {
      // CometBFT's default. Every block re-checks what stays in the mempool on every node, so
      // the bound is a few blocks' worth: past it the node refuses txs (code 20) rather than
      // spend its blocks re-checking a backlog (docs/performance.md, bench:consensus n17-net).
      size: 5_000,
      max_txs_bytes: 256 * 1024 * 1024,
      max_tx_bytes: 1024 * 1024,
      cache_size: 100_000,
      recheck: true,
      max_pending_checks: 5_000,
      // A peer flooding the node takes at most half of the places, all peers together at most
      // 4,000: a client's tx is not refused while the other 1,000 are free.
      max_pending_checks_per_peer: 2_500,
      rpc_reserved_pending_checks: 1_000,
    },
    consensus: {
      timeout_propose: "3s",
      timeout_propose_delta: "500ms",
      timeout_prevote: "1s",
      timeout_prevote_delta: "500ms",
      timeout_precommit: "1s",
      timeout_precommit_delta: "500ms",
      timeout_commit: "1s",
      create_empty_blocks: true,
      create_empty_blocks_interval: "0s",
    },
    tx_index: { indexer: "kv" },
    instrumentation: {
      prometheus: false,
      prometheus_listen_addr: "127.0.0.1:26660",
      max_open_connections: 3,
      namespace: "cometbft",
    },
    api: {
      enable: false,
      address: "tcp://127.0.0.1:1317",
      max_body_bytes: 1_000_000,
      max_open_connections: 1000,
      cors_allowed_origins: [],
    },
  };
}

/** Parses "1s", "500ms", "2m", "0s" into milliseconds. */
export function parseDuration(s: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(s.trim());
  if (m === null) throw configErrors.invalid.wrap(`invalid duration ${JSON.stringify(s)} (use e.g. 500ms, 1s, 2m)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
  return Math.round(Number(m[1]) * unit);
}

/** "tcp://127.0.0.1:26657" -> host and port. */
export function parseListenAddress(laddr: string): { host: string; port: number } {
  const m = /^(?:tcp:\/\/)?([^:/]+|\[[0-9a-fA-F:]+\]):([0-9]{1,5})$/.exec(laddr);
  if (m === null || Number(m[2]) > 65535)
    throw configErrors.invalid.wrap(`invalid listen address ${JSON.stringify(laddr)} (use tcp://host:port)`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) };
}

/** CometBFT's prometheus_listen_addr: "host:port", or ":port" for every interface. */
export function metricsListenAddress(a: string): { host: string; port: number } {
  return parseListenAddress(a.startsWith(":") ? `0.0.0.0${a}` : a);
}

function merge<T extends object>(defaults: T, given: unknown, path: string): T {
  if (given === undefined) return defaults;
  if (typeof given !== "object" || given === null || Array.isArray(given))
    throw configErrors.invalid.wrap(`${path} must be an object`);
  const out = { ...defaults } as Record<string, unknown>;
  for (const [k, v] of Object.entries(given)) {
    if (!(k in defaults)) throw configErrors.invalid.wrap(`${path}.${k} is not a known setting`);
    const d = (defaults as Record<string, unknown>)[k];
    if (typeof d === "object" && d !== null && !Array.isArray(d)) out[k] = merge(d, v, `${path}.${k}`);
    else if (typeof v !== typeof d || Array.isArray(v) !== Array.isArray(d))
      throw configErrors.invalid.wrap(`${path}.${k} must be a ${Array.isArray(d) ? "list" : typeof d}`);
    else out[k] = v;
  }
  return out as T;
}

export function validateConfig(c: NodeConfig): NodeConfig {
  parseListenAddress(c.rpc.laddr);
  parseListenAddress(c.p2p.laddr);
  parseListenAddress(c.api.address);
  metricsListenAddress(c.instrumentation.prometheus_listen_addr);
  if (!/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/.test(c.instrumentation.namespace))
    throw configErrors.invalid.wrap("instrumentation.namespace must be a metric name prefix such as cometbft");
  if (!Number.isSafeInteger(c.instrumentation.max_open_connections) || c.instrumentation.max_open_connections <= 0)
    throw configErrors.invalid.wrap("instrumentation.max_open_connections must be a positive integer");
  for (const k of ["max_body_bytes", "max_open_connections"] as const) {
    if (!Number.isSafeInteger(c.api[k]) || c.api[k] <= 0)
      throw configErrors.invalid.wrap(`api.${k} must be a positive integer`);
  }
  for (const v of Object.values(c.consensus)) if (typeof v === "string") parseDuration(v);
  if (c.p2p.control_laddr !== "" && !isLoopbackHost(parseListenAddress(c.p2p.control_laddr).host))
    throw configErrors.invalid.wrap("p2p.control_laddr must be a loopback address (tcp://127.0.0.1:port)");
  if (c.p2p.wire !== "tcompute" && c.p2p.wire !== "cometbft")
    throw configErrors.invalid.wrap('p2p.wire must be "tcompute" or "cometbft"');
  for (const k of ["handshake_timeout", "partial_message_timeout"] as const)
    if (parseDuration(c.p2p[k]) <= 0) throw configErrors.invalid.wrap(`p2p.${k} must be positive`);
  for (const key of ["persistent_peers", "seeds"] as const) {
    for (const p of c.p2p[key]
      .split(",")
      .map((x) => x.trim())
      .filter((x) => x !== "")) {
      if (!/^[0-9a-fA-F]{40}@[^@\s]+:[0-9]{1,5}$/.test(p))
        throw configErrors.invalid.wrap(`p2p.${key}: ${JSON.stringify(p)} is not nodeid@host:port`);
    }
  }
  if (c.p2p.external_address !== "" && !/^(tcp:\/\/)?[^@\s:]+:[0-9]{1,5}$/.test(c.p2p.external_address))
    throw configErrors.invalid.wrap("p2p.external_address must be host:port");
  for (const k of [
    "max_body_bytes",
    "max_open_connections",
    "max_subscription_clients",
    "max_subscriptions_per_client",
    "max_batch_requests",
    "max_response_bytes",
    "max_ws_concurrent_requests",
    "max_tx_search_entries",
  ] as const) {
    if (!Number.isSafeInteger(c.rpc[k]) || c.rpc[k] <= 0)
      throw configErrors.invalid.wrap(`rpc.${k} must be a positive integer`);
  }
  if (
    ![...c.rpc.cors_allowed_origins, ...c.api.cors_allowed_origins].every(
      (o) => typeof o === "string" && (o === "*" || /^https?:\/\/[^\s/]+$/.test(o)),
    )
  ) {
    throw configErrors.invalid.wrap(
      'rpc/api.cors_allowed_origins must list origins such as "http://localhost:3000", or "*"',
    );
  }
  for (const [k, v] of Object.entries(c.mempool)) {
    if (k === "rpc_reserved_pending_checks") continue;
    if (typeof v === "number" && (!Number.isSafeInteger(v) || v <= 0))
      throw configErrors.invalid.wrap(`mempool.${k} must be a positive integer`);
  }
  const m = c.mempool;
  if (!Number.isSafeInteger(m.rpc_reserved_pending_checks) || m.rpc_reserved_pending_checks < 0)
    throw configErrors.invalid.wrap("mempool.rpc_reserved_pending_checks must be a non-negative integer");
  if (m.rpc_reserved_pending_checks >= m.max_pending_checks)
    throw configErrors.invalid.wrap(
      `mempool.rpc_reserved_pending_checks (${m.rpc_reserved_pending_checks}) must be below max_pending_checks (${m.max_pending_checks}): peers need a place`,
    );
  if (m.max_pending_checks_per_peer > m.max_pending_checks - m.rpc_reserved_pending_checks)
    throw configErrors.invalid.wrap(
      `mempool.max_pending_checks_per_peer (${m.max_pending_checks_per_peer}) must be at most max_pending_checks - rpc_reserved_pending_checks (${m.max_pending_checks - m.rpc_reserved_pending_checks})`,
    );
  if (!["debug", "info", "warn", "error"].includes(c.log_level))
    throw configErrors.invalid.wrap("log_level must be debug, info, warn or error");
  return c;
}

export function configPath(home: string): string {
  return join(home, "config", "tcd.json");
}

/** Where older homes kept the file; CometBFT would read it as its own config (viper's search). */
export function legacyConfigPath(home: string): string {
  return join(home, "config", "config.json");
}

export function loadConfig(home: string): NodeConfig {
  const path = configPath(home);
  if (!existsSync(path) && existsSync(legacyConfigPath(home))) renameSync(legacyConfigPath(home), path);
  if (!existsSync(path)) return defaultConfig("node");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw configErrors.invalid.wrap(`${path}: ${(e as Error).message}`);
  }
  return validateConfig(deriveMempoolShares(merge(defaultConfig("node"), json, "config"), json));
}

/**
 * The peers' shares of max_pending_checks that the file does not set follow the bound it has
 * (half per peer, a fifth for clients, as the defaults are of 5,000): a file written before they
 * existed, or one that lowers only max_pending_checks, still loads.
 */
function deriveMempoolShares(c: NodeConfig, json: unknown): NodeConfig {
  const given = (json as { mempool?: Record<string, unknown> } | null)?.mempool ?? {};
  const max = c.mempool.max_pending_checks;
  if (!Number.isSafeInteger(max) || max <= 0) return c;
  const mempool = { ...c.mempool };
  if (!("rpc_reserved_pending_checks" in given)) mempool.rpc_reserved_pending_checks = Math.floor(max / 5);
  if (!("max_pending_checks_per_peer" in given))
    mempool.max_pending_checks_per_peer = Math.max(
      1,
      Math.min(Math.floor(max / 2), max - mempool.rpc_reserved_pending_checks),
    );
  return { ...c, mempool };
}

export function saveConfig(home: string, c: NodeConfig): void {
  mkdirSync(join(home, "config"), { recursive: true });
  writeFileSync(configPath(home), JSON.stringify(c, null, 2) + "\n");
}

/** Paths of a node's home directory, as CometBFT lays it out. */
export function homePaths(home: string) {
  return {
    config: join(home, "config"),
    data: join(home, "data"),
    genesis: join(home, "config", "genesis.json"),
    privValidatorKey: join(home, "config", "priv_validator_key.json"),
    nodeKey: join(home, "config", "node_key.json"),
    privValidatorState: join(home, "data", "priv_validator_state.json"),
    stateDb: join(home, "data", "application.db"),
    blockDb: join(home, "data", "blockstore.db"),
    txIndexDb: join(home, "data", "tx_index.db"),
    consensusWal: join(home, "data", "cs.wal", "wal"),
  };
}

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { homePaths, parseListenAddress, type NodeConfig } from "../types/nodeConfig.js";

// The parts of a home that CometBFT reads and the TypeScript engine does not: config/config.toml
// (CometBFT's settings; the app's own stay in config/tcd.json) and the signer state file
// CometBFT refuses to start without. Keys and genesis.json are shared: they are already in
// CometBFT's formats.

export const defaultProxyApp = "tcp://127.0.0.1:26658";

export function cometConfigPath(home: string): string {
  return join(home, "config", "config.toml");
}

const q = (s: string) => JSON.stringify(s);

/** CometBFT's log levels are debug, info, error (and none). */
function cometLogLevel(level: NodeConfig["log_level"]): string {
  return level === "warn" ? "error" : level;
}

function isLoopback(laddr: string): boolean {
  const { host } = parseListenAddress(laddr);
  return host === "127.0.0.1" || host === "localhost" || host === "::1";
}

/**
 * config.toml for `cometbft start --home <home>`, from the node's config/tcd.json: the same
 * listen addresses, peers, mempool bounds and timeouts, so that either engine runs the same
 * validator. Settings not written take CometBFT's defaults.
 */
export function cometConfigToml(c: NodeConfig, proxyApp: string): string {
  const loopback = isLoopback(c.p2p.laddr);
  return `# CometBFT v0.38 config, written by tcd from config/tcd.json (the app's settings stay there).
# Edit here for the CometBFT engine; unlisted settings take CometBFT's defaults.
proxy_app = ${q(proxyApp)}
moniker = ${q(c.moniker)}
db_backend = "goleveldb"
db_dir = "data"
log_level = ${q(cometLogLevel(c.log_level))}
log_format = "plain"
genesis_file = "config/genesis.json"
priv_validator_key_file = "config/priv_validator_key.json"
priv_validator_state_file = "data/priv_validator_state.json"
node_key_file = "config/node_key.json"
abci = "socket"

[rpc]
laddr = ${q(c.rpc.laddr)}
cors_allowed_origins = [${c.rpc.cors_allowed_origins.map(q).join(", ")}]
max_open_connections = ${c.rpc.max_open_connections}
max_subscription_clients = ${c.rpc.max_subscription_clients}
max_subscriptions_per_client = ${c.rpc.max_subscriptions_per_client}
max_body_bytes = ${c.rpc.max_body_bytes}
max_request_batch_size = ${c.rpc.max_batch_requests}
timeout_broadcast_tx_commit = "10s"

[p2p]
laddr = ${q(c.p2p.laddr)}
external_address = ${q(c.p2p.external_address)}
seeds = ${q(c.p2p.seeds)}
persistent_peers = ${q(c.p2p.persistent_peers)}
max_num_inbound_peers = ${c.p2p.max_num_inbound_peers}
max_num_outbound_peers = ${c.p2p.max_num_outbound_peers}
pex = ${c.p2p.pex}
# Loopback networks (localnets) need non-routable addresses and several nodes on one IP.
addr_book_strict = ${!loopback}
allow_duplicate_ip = ${loopback}

[mempool]
recheck = ${c.mempool.recheck}
size = ${c.mempool.size}
max_txs_bytes = ${c.mempool.max_txs_bytes}
max_tx_bytes = ${c.mempool.max_tx_bytes}
cache_size = ${c.mempool.cache_size}

[consensus]
timeout_propose = ${q(c.consensus.timeout_propose)}
timeout_propose_delta = ${q(c.consensus.timeout_propose_delta)}
timeout_prevote = ${q(c.consensus.timeout_prevote)}
timeout_prevote_delta = ${q(c.consensus.timeout_prevote_delta)}
timeout_precommit = ${q(c.consensus.timeout_precommit)}
timeout_precommit_delta = ${q(c.consensus.timeout_precommit_delta)}
timeout_commit = ${q(c.consensus.timeout_commit)}
create_empty_blocks = ${c.consensus.create_empty_blocks}
create_empty_blocks_interval = ${q(c.consensus.create_empty_blocks_interval)}

[storage]
discard_abci_responses = false

[tx_index]
indexer = ${q(c.tx_index.indexer)}

[instrumentation]
prometheus = false
`;
}

/** A string setting of config.toml (section null: top level), if set. Enough TOML for the file tcd writes and CometBFT's own. */
export function readCometSetting(home: string, section: string | null, key: string): string | null {
  const path = cometConfigPath(home);
  if (!existsSync(path)) return null;
  let current: string | null = null;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const sec = /^\s*\[([A-Za-z0-9_.-]+)\]\s*(#.*)?$/.exec(line);
    if (sec !== null) {
      current = sec[1]!;
      continue;
    }
    if (current !== section) continue;
    const m = /^\s*([A-Za-z0-9_-]+)\s*=\s*"([^"]*)"\s*(#.*)?$/.exec(line);
    if (m !== null && m[1] === key) return m[2]!;
  }
  return null;
}

/**
 * Makes a home runnable by `cometbft start --home <home>`: writes config.toml (unless it exists:
 * operators edit it) and an empty signer state (unless it exists: it guards against double
 * signing). Returns whether config.toml was written.
 */
export function ensureCometHome(home: string, c: NodeConfig, proxyApp: string = defaultProxyApp): boolean {
  const paths = homePaths(home);
  mkdirSync(paths.data, { recursive: true });
  if (!existsSync(paths.privValidatorState)) {
    mkdirSync(dirname(paths.privValidatorState), { recursive: true });
    writeFileSync(paths.privValidatorState, JSON.stringify({ height: "0", round: 0, step: 0 }, null, 2) + "\n", {
      mode: 0o600,
    });
  }
  const path = cometConfigPath(home);
  if (existsSync(path)) return false;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, cometConfigToml(c, proxyApp));
  return true;
}

/**
 * Which engine's stores a data directory holds. Both engines keep blockstore.db and tx_index.db
 * under data/ in different formats, so a home runs one engine until its data is reset;
 * state.db is CometBFT's alone.
 */
export function dataEngine(home: string): "cometbft" | "tcompute" | null {
  const data = homePaths(home).data;
  if (existsSync(join(data, "state.db"))) return "cometbft";
  if (existsSync(join(data, "blockstore.db"))) return "tcompute";
  return null;
}

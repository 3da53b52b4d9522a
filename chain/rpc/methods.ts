import type { RpcBackend } from "./backend.js";
import { abciQuery } from "./nodeQueries.js";
import { hashTx } from "../mempool/mempool.js";
import { flattenEvents, parseEventQuery, queryMatches } from "../store/eventQuery.js";
import { CodedError } from "../../modules/sdk/errors.js";
import { txIndexErrors } from "../store/txIndex.js";
import { ed25519Address } from "../crypto/ed25519.js";
import {
  b64,
  blockIdJson,
  blockJson,
  blockMetaJson,
  blockResultsJson,
  commitJson,
  headerJson,
  hex,
  txResultJson,
  type Json,
} from "./format.js";
import {
  internalError,
  invalidParams,
  optBool,
  optHex,
  optInt,
  optString,
  reqBytes,
  reqHash,
  reqString,
  RpcError,
  type Params,
} from "./params.js";
import { bytesEqual } from "../types/bytes.js";

// The CometBFT JSON-RPC methods, each reading its params and answering the JSON shape that
// @cosmjs/tendermint-rpc's Comet38 client decodes (see ../shared/COSMJS-COMPAT.md).

export type Method = (node: RpcBackend, p: Params) => Promise<Json>;

const maxHeight = 1n << 62n;
const broadcastCommitTimeoutMs = 10_000;

function wrapQueryError(e: unknown): never {
  // A damaged index record is the node's fault, not the query's: -32603 with its message.
  if (e instanceof CodedError && !e.is(txIndexErrors.corrupt)) throw invalidParams(e.message);
  throw e;
}

/** A query that does not parse fails the method (-32603), as CometBFT's tx_search and block_search. */
function wrapQueryParseError(e: unknown): never {
  if (e instanceof CodedError) throw internalError(`failed to parse query: ${e.message}`);
  throw e;
}

async function heightParam(node: RpcBackend, p: Params): Promise<bigint> {
  const latest = node.blockStore.height;
  const h = optInt(p, "height", 0n, maxHeight) ?? 0n;
  if (h === 0n) return latest;
  if (h > latest)
    throw internalError(`height ${h} must be less than or equal to the current blockchain height ${latest}`);
  if (h < node.blockStore.base)
    throw internalError(`height ${h} is not available, lowest height is ${node.blockStore.base}`);
  return h;
}

function txJson(t: {
  hash: string;
  height: bigint;
  index: number;
  tx: Uint8Array;
  result: Parameters<typeof txResultJson>[0];
}): Json {
  return {
    hash: t.hash,
    height: t.height.toString(),
    index: t.index,
    tx_result: txResultJson(t.result),
    tx: b64(t.tx),
  };
}

function checkTxJson(r: {
  code: number;
  data: Uint8Array;
  log: string;
  codespace: string;
  gasWanted: bigint;
  gasUsed: bigint;
}): Json {
  return {
    code: r.code,
    data: b64(r.data),
    log: r.log,
    info: "",
    gas_wanted: r.gasWanted.toString(),
    gas_used: r.gasUsed.toString(),
    events: [],
    codespace: r.codespace,
  };
}

function validatorJson(v: { address: Uint8Array; pubKey: Uint8Array; power: bigint }): Json {
  return {
    address: hex(v.address),
    pub_key: { type: "tendermint/PubKeyEd25519", value: b64(v.pubKey) },
    voting_power: v.power.toString(),
    proposer_priority: "0",
  };
}

export const methods: Record<string, Method> = {
  async health() {
    return {};
  },

  async status(node) {
    const s = node.state();
    const latest = node.blockStore.height;
    const meta = latest > 0n ? await node.blockStore.loadMeta(latest) : null;
    const base = node.blockStore.base;
    const earliest = base > 0n ? await node.blockStore.loadMeta(base) : null;
    const me = s.validators.validators.find((v) => bytesEqual(v.pubKey, node.validatorKey.pubKey));
    return {
      node_info: {
        protocol_version: { p2p: "8", block: "11", app: "1" },
        id: node.id,
        listen_addr: node.config.p2p.laddr,
        network: s.chainId,
        version: "0.38.17",
        channels: "40202122233038606100",
        moniker: node.config.moniker,
        other: { tx_index: node.txIndex === null ? "off" : "on", rpc_address: `tcp://${node.rpcAddress}` },
      },
      sync_info: {
        latest_block_hash: hex(meta?.blockId?.hash ?? new Uint8Array()),
        latest_app_hash: hex(meta?.header?.appHash ?? new Uint8Array()),
        latest_block_height: latest.toString(),
        latest_block_time: meta === null ? "0001-01-01T00:00:00Z" : (headerJson(meta.header!) as { time: string }).time,
        earliest_block_hash: hex(earliest?.blockId?.hash ?? new Uint8Array()),
        earliest_app_hash: hex(earliest?.header?.appHash ?? new Uint8Array()),
        earliest_block_height: base.toString(),
        earliest_block_time:
          earliest === null ? "0001-01-01T00:00:00Z" : (headerJson(earliest.header!) as { time: string }).time,
        catching_up: node.catchingUp(),
      },
      validator_info: {
        address: hex(ed25519Address(node.validatorKey.pubKey)),
        pub_key: { type: "tendermint/PubKeyEd25519", value: b64(node.validatorKey.pubKey) },
        voting_power: (me?.power ?? 0n).toString(),
      },
    };
  },

  async abci_info(node) {
    const info = await node.app.info({ version: "0.38.17", blockVersion: 11n, p2pVersion: 8n, abciVersion: "2.0.0" });
    return {
      response: {
        data: info.data,
        version: info.version,
        app_version: info.appVersion.toString(),
        last_block_height: info.lastBlockHeight.toString(),
        last_block_app_hash: b64(info.lastBlockAppHash),
      },
    };
  },

  async abci_query(node, p) {
    const path = reqString(p, "path");
    if (path.length > 256) throw invalidParams("path is longer than 256 characters");
    const data = optHex(p, "data", 1 << 20);
    const height = optInt(p, "height", 0n, maxHeight) ?? 0n;
    if (optBool(p, "prove")) throw invalidParams("proofs are not served: app_hash is an LtHash (see docs/state.md)");
    const r = await abciQuery(node, { path, data, height });
    return {
      response: {
        code: r.code,
        log: r.log,
        info: r.info,
        index: r.index.toString(),
        key: r.key.length === 0 ? null : b64(r.key),
        value: r.value.length === 0 ? null : b64(r.value),
        proofOps: null,
        height: r.height.toString(),
        codespace: r.codespace,
      },
    };
  },

  async broadcast_tx_sync(node, p) {
    const tx = reqBytes(p, "tx", node.config.mempool.max_tx_bytes + 1024);
    const r = await node.mempool.add(tx);
    return { code: r.code, data: b64(r.data), log: r.log, codespace: r.codespace, hash: r.hash };
  },

  async broadcast_tx_async(node, p) {
    const tx = reqBytes(p, "tx", node.config.mempool.max_tx_bytes + 1024);
    void node.mempool.add(tx);
    return { code: 0, data: "", log: "", codespace: "", hash: hashTx(tx) };
  },

  async broadcast_tx_commit(node, p) {
    const tx = reqBytes(p, "tx", node.config.mempool.max_tx_bytes + 1024);
    const hash = hashTx(tx);
    let unsubscribe = () => {};
    const included = new Promise<{ height: bigint; result: Parameters<typeof txResultJson>[0] } | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), broadcastCommitTimeoutMs);
      unsubscribe = node.eventBus.subscribe((e) => {
        if (e.kind === "Tx" && e.hash === hash) {
          clearTimeout(timer);
          resolve({ height: e.height, result: e.result });
        }
      });
    });
    try {
      const check = await node.mempool.add(tx);
      if (check.code !== 0)
        return {
          check_tx: checkTxJson(check),
          tx_result: txResultJson({
            code: 0,
            data: new Uint8Array(),
            log: "",
            info: "",
            gasWanted: 0n,
            gasUsed: 0n,
            events: [],
            codespace: "",
          }),
          hash,
          height: "0",
        };
      const res = await included;
      if (res === null) throw internalError(`timed out waiting for tx ${hash} to be included in a block`);
      return { check_tx: checkTxJson(check), tx_result: txResultJson(res.result), hash, height: res.height.toString() };
    } finally {
      unsubscribe();
    }
  },

  async tx(node, p) {
    if (node.txIndex === null) throw internalError("transaction indexing is disabled");
    const hash = hex(reqHash(p, "hash"));
    const t = await node.txIndex.get(hash);
    if (t === null) throw internalError(`tx (${hash}) not found`);
    return txJson(t);
  },

  async tx_search(node, p) {
    if (node.txIndex === null) throw internalError("transaction indexing is disabled");
    let q;
    try {
      q = parseEventQuery(reqString(p, "query"));
    } catch (e) {
      wrapQueryParseError(e);
    }
    const perPage = Number(optInt(p, "per_page", 1n, 1_000_000n) ?? 30n);
    const per = Math.min(perPage, 100);
    const page = Number(optInt(p, "page", 1n, 1_000_000n) ?? 1n);
    const order = optString(p, "order_by") ?? "asc";
    if (order !== "asc" && order !== "desc" && order !== "")
      throw internalError("expected order_by to be either `asc` or `desc` or empty");
    let res;
    try {
      res = await node.txIndex.search(
        q,
        page,
        per,
        order === "desc" ? "desc" : "asc",
        node.config.rpc.max_tx_search_entries,
      );
    } catch (e) {
      wrapQueryError(e);
    }
    const pages = Math.max(1, Math.ceil(res.total / per));
    if (page > pages) throw internalError(`page should be within [1, ${pages}] range, given ${page}`);
    return { txs: res.txs.map(txJson), total_count: res.total.toString() };
  },

  /**
   * CometBFT's block_search over `block.height` and the FinalizeBlock events of each height.
   * The heights the query's block.height bounds leave (all stored ones without bounds) are
   * read one by one: at most min(1000, rpc.max_tx_search_entries) of them, a wider range is
   * refused (-32602) rather than answered from a truncated scan.
   */
  async block_search(node, p) {
    let q;
    try {
      q = parseEventQuery(reqString(p, "query"));
    } catch (e) {
      wrapQueryParseError(e);
    }
    const per = Math.min(Number(optInt(p, "per_page", 1n, 1_000_000n) ?? 30n), 100);
    const page = Number(optInt(p, "page", 1n, 1_000_000n) ?? 1n);
    const order = optString(p, "order_by") ?? "asc";
    if (order !== "asc" && order !== "desc" && order !== "")
      throw internalError("expected order_by to be either `asc` or `desc` or empty");
    let lo = node.blockStore.base;
    let hi = node.blockStore.height;
    for (const c of q) {
      if (c.key !== "block.height" || c.operand?.kind !== "number") continue;
      const h = BigInt(c.operand.value.split(".")[0]!);
      if (c.op === "=") [lo, hi] = [h > lo ? h : lo, h < hi ? h : hi];
      if (c.op === ">" && h + 1n > lo) lo = h + 1n;
      if (c.op === ">=" && h > lo) lo = h;
      if (c.op === "<" && h - 1n < hi) hi = h - 1n;
      if (c.op === "<=" && h < hi) hi = h;
    }
    const maxHeights = BigInt(Math.min(1000, node.config.rpc.max_tx_search_entries));
    if (hi >= lo && hi - lo + 1n > maxHeights)
      throw invalidParams(
        `the query selects ${hi - lo + 1n} heights, more than ${maxHeights}; narrow it with block.height>=A AND block.height<=B`,
      );
    const onlyHeight = q.every((c) => c.key === "block.height");
    const matched: bigint[] = [];
    for (let h = lo; h <= hi && h > 0n; h++) {
      if (onlyHeight) {
        matched.push(h);
        continue;
      }
      const r = await node.blockStore.loadResults(h);
      if (r === null) continue;
      const events = flattenEvents(r.events);
      events.set("block.height", [h.toString()]);
      if (queryMatches(q, events)) matched.push(h);
    }
    if (order === "desc") matched.reverse();
    const pages = Math.max(1, Math.ceil(matched.length / per));
    if (page > pages) throw internalError(`page should be within [1, ${pages}] range, given ${page}`);
    const blocks: Json[] = [];
    for (const h of matched.slice((page - 1) * per, page * per)) {
      const block = await node.blockStore.loadBlock(h);
      const meta = await node.blockStore.loadMeta(h);
      if (block !== null && meta !== null)
        blocks.push({ block_id: blockIdJson(meta.blockId), block: blockJson(block) });
    }
    return { blocks, total_count: matched.length.toString() };
  },

  async block(node, p) {
    const h = await heightParam(node, p);
    const block = await node.blockStore.loadBlock(h);
    const meta = await node.blockStore.loadMeta(h);
    if (block === null || meta === null) throw internalError(`block at height ${h} not found`);
    return { block_id: blockIdJson(meta.blockId), block: blockJson(block) };
  },

  async block_by_hash(node, p) {
    const hash = reqHash(p, "hash");
    const h = await node.blockStore.heightOfHash(hash);
    if (h === null) return { block_id: blockIdJson(undefined), block: null };
    return methods["block"]!(node, { height: h.toString() });
  },

  async block_results(node, p) {
    const h = await heightParam(node, p);
    const r = await node.blockStore.loadResults(h);
    if (r === null) throw internalError(`results for height ${h} not found`);
    return blockResultsJson(h, r);
  },

  async blockchain(node, p) {
    const latest = node.blockStore.height;
    const base = node.blockStore.base;
    let max = optInt(p, "maxHeight", 0n, maxHeight) ?? 0n;
    let min = optInt(p, "minHeight", 0n, maxHeight) ?? 0n;
    if (max === 0n || max > latest) max = latest;
    if (min === 0n || min < base) min = base;
    if (min > max) throw invalidParams(`min height ${min} can't be greater than max height ${max}`);
    if (max - min >= 20n) min = max - 19n;
    const metas: Json[] = [];
    for (let h = max; h >= min && h > 0n; h--) {
      const m = await node.blockStore.loadMeta(h);
      if (m !== null) metas.push(blockMetaJson(m));
    }
    return { last_height: latest.toString(), block_metas: metas };
  },

  async commit(node, p) {
    const h = await heightParam(node, p);
    const meta = await node.blockStore.loadMeta(h);
    const commit = await node.blockStore.loadSeenCommit(h);
    if (meta === null || commit === null) throw internalError(`commit for height ${h} not found`);
    return {
      signed_header: { header: headerJson(meta.header!), commit: commitJson(commit) },
      canonical: h < node.blockStore.height,
    };
  },

  async validators(node, p) {
    const h = await heightParam(node, p);
    const set = await node.blockStore.loadValidators(h);
    if (set === null) throw internalError(`validators for height ${h} not found`);
    const all = set.validators.map((v) => ({ address: v.address, pubKey: v.pubKey!.ed25519!, power: v.votingPower }));
    const perPage = Number(optInt(p, "per_page", 1n, 100n) ?? 30n);
    const page = Number(optInt(p, "page", 1n, 1_000_000n) ?? 1n);
    const vals = all.slice((page - 1) * perPage, page * perPage);
    return {
      block_height: h.toString(),
      validators: vals.map(validatorJson),
      count: vals.length.toString(),
      total: all.length.toString(),
    };
  },

  async genesis(node) {
    // CometBFT's GenesisDoc omits an empty validator list (`validators,omitempty`).
    const doc = { ...(node.genesis.doc as unknown as Record<string, Json>) };
    if (Array.isArray(doc["validators"]) && doc["validators"].length === 0) delete doc["validators"];
    return { genesis: doc };
  },

  async net_info(node) {
    const peers = node.p2p?.peers() ?? [];
    return {
      listening: node.p2p !== null,
      listeners: [`Listener(@${node.config.p2p.laddr})`],
      n_peers: String(peers.length),
      peers: peers.map((id) => ({ node_info: { id }, is_outbound: false, remote_ip: "" })),
    };
  },

  async num_unconfirmed_txs(node) {
    return {
      n_txs: node.mempool.size.toString(),
      total: node.mempool.size.toString(),
      total_bytes: node.mempool.bytes.toString(),
      txs: null,
    };
  },

  async unconfirmed_txs(node, p) {
    const limit = Number(optInt(p, "limit", 1n, 100n) ?? 30n);
    const txs = node.mempool.list(limit).map((t) => b64(t.tx));
    return {
      n_txs: txs.length.toString(),
      total: node.mempool.size.toString(),
      total_bytes: node.mempool.bytes.toString(),
      txs,
    };
  },
};

export { RpcError };

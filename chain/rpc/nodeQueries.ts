import { toBech32 } from "@cosmjs/encoding";
import {
  GetBlockByHeightRequest,
  GetBlockByHeightResponse,
  GetLatestBlockResponse,
  GetLatestValidatorSetRequest,
  GetLatestValidatorSetResponse,
  GetNodeInfoResponse,
  GetSyncingResponse,
  GetValidatorSetByHeightRequest,
  GetValidatorSetByHeightResponse,
  type Validator as TmValidator,
} from "cosmjs-types/cosmos/base/tendermint/v1beta1/query";
import type { Block as SdkBlock } from "cosmjs-types/cosmos/base/tendermint/v1beta1/types";
import type { TxResponse } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { PubKey as Ed25519PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { QueryHistoricalInfoRequest, QueryHistoricalInfoResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import {
  GetTxRequest,
  GetTxResponse,
  GetTxsEventRequest,
  GetTxsEventResponse,
  OrderBy,
} from "cosmjs-types/cosmos/tx/v1beta1/service";
import { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { ResponseQuery } from "cosmjs-types/tendermint/abci/types";
import type { Block } from "cosmjs-types/tendermint/types/block";
import { bech32Prefix } from "../../modules/sdk/address.js";
import { CodedError, sdkErrors, toCodedError } from "../../modules/sdk/errors.js";
import { formatTime } from "../../modules/sdk/time.js";
import { txIndexErrors, type IndexedTx } from "../store/txIndex.js";
import { parseEventQuery } from "../store/eventQuery.js";
import { cometbftVersion, cosmosSdkVersion, type RpcBackend } from "./backend.js";

// Query paths a Cosmos SDK node answers from its node state rather than from the application's
// store: the tx service (GetTx, GetTxsEvent: the tx index), staking HistoricalInfo (the block
// store's header with the staking module's record of that height) and the cosmos.base.tendermint Service (node info, syncing,
// blocks, validator sets). abci_query and the REST API both reach them through nodeQuery, so
// that the answers exist once.

const notFound = (what: string) => sdkErrors.keyNotFound.wrap(`rpc error: code = NotFound desc = ${what}`);
const invalid = (what: string) => sdkErrors.invalidRequest.wrap(`rpc error: code = InvalidArgument desc = ${what}`);

/** The most txs one GetTxsEvent page holds (the SDK's limit default is 100). */
const maxTxsPerPage = 100n;

function decodeReq<T>(decode: (b: Uint8Array) => T, data: Uint8Array, name: string): T {
  try {
    return decode(data);
  } catch (e) {
    throw invalid(`malformed ${name}: ${(e as Error).message}`);
  }
}

async function txResponse(node: RpcBackend, t: IndexedTx): Promise<TxResponse> {
  const meta = await node.blockStore.loadMeta(t.height);
  let tx: Tx | undefined;
  try {
    tx = Tx.decode(t.tx);
  } catch {
    tx = undefined;
  }
  return {
    height: t.height,
    txhash: t.hash,
    codespace: t.result.codespace,
    code: t.result.code,
    data: Buffer.from(t.result.data).toString("hex").toUpperCase(),
    rawLog: t.result.log,
    logs: [],
    info: t.result.info,
    gasWanted: t.result.gasWanted,
    gasUsed: t.result.gasUsed,
    tx: tx === undefined ? undefined : { typeUrl: "/cosmos.tx.v1beta1.Tx", value: Tx.encode(tx).finish() },
    timestamp: meta?.header?.time === undefined ? "" : formatTime(meta.header.time),
    events: t.result.events,
  };
}

async function heightOrLatest(node: RpcBackend, h: bigint): Promise<bigint> {
  const latest = node.blockStore.height;
  if (h === 0n) return latest;
  if (h < 0n) throw invalid("height must be positive");
  if (h > latest) throw invalid(`requested block height ${h} is bigger then the chain length ${latest}`);
  if (h < node.blockStore.base) throw notFound(`height ${h} is pruned; lowest height is ${node.blockStore.base}`);
  return h;
}

async function blockAt(
  node: RpcBackend,
  h: bigint,
): Promise<{ blockId: GetLatestBlockResponse["blockId"]; block: Block; sdkBlock: SdkBlock }> {
  const block = await node.blockStore.loadBlock(h);
  const meta = await node.blockStore.loadMeta(h);
  if (block === null || meta === null) throw notFound(`block at height ${h}`);
  const header = block.header!;
  const sdkBlock: SdkBlock = {
    ...block,
    header: { ...header, proposerAddress: toBech32(bech32Prefix.consensus, header.proposerAddress) },
  } as unknown as SdkBlock;
  return { blockId: meta.blockId, block, sdkBlock };
}

async function validatorSet(
  node: RpcBackend,
  h: bigint,
  offset: bigint,
  limit: bigint,
): Promise<{ validators: TmValidator[]; total: bigint }> {
  const set = await node.blockStore.loadValidators(h);
  if (set === null) throw notFound(`validator set at height ${h}`);
  const all = set.validators.map((v) => ({
    address: toBech32(bech32Prefix.consensus, v.address),
    pubKey: {
      typeUrl: "/cosmos.crypto.ed25519.PubKey",
      value: Ed25519PubKey.encode({ key: v.pubKey?.ed25519 ?? new Uint8Array() }).finish(),
    },
    votingPower: v.votingPower,
    proposerPriority: v.proposerPriority,
  }));
  const lim = limit === 0n ? 100n : limit;
  return { validators: all.slice(Number(offset), Number(offset + lim)), total: BigInt(all.length) };
}

type Handler = (node: RpcBackend, data: Uint8Array) => Promise<Uint8Array>;

const tm = "/cosmos.base.tendermint.v1beta1.Service";

export const nodeQueryHandlers: Record<string, Handler> = {
  async "/cosmos.tx.v1beta1.Service/GetTx"(node, data) {
    const req = decodeReq(GetTxRequest.decode, data, "GetTxRequest");
    if (!/^[0-9a-fA-F]{64}$/.test(req.hash)) throw invalid("tx hash must be 64 hex characters");
    if (node.txIndex === null) throw invalid("transaction indexing is disabled on this node");
    const t = await node.txIndex.get(req.hash);
    if (t === null) throw notFound(`tx not found: ${req.hash.toUpperCase()}`);
    const r = await txResponse(node, t);
    return GetTxResponse.encode({ tx: r.tx === undefined ? undefined : Tx.decode(r.tx.value), txResponse: r }).finish();
  },

  async "/cosmos.tx.v1beta1.Service/GetTxsEvent"(node, data) {
    const req = decodeReq(GetTxsEventRequest.decode, data, "GetTxsEventRequest");
    if (node.txIndex === null) throw invalid("transaction indexing is disabled on this node");
    // SDK 0.50: `query` (CometBFT syntax); older clients send `events` joined with AND.
    const text = req.query !== "" ? req.query : req.events.join(" AND ");
    if (text === "") throw invalid("query cannot be empty");
    let q;
    try {
      q = parseEventQuery(text);
    } catch (e) {
      throw invalid((e as Error).message);
    }
    const limit = req.limit === 0n ? req.pagination?.limit || 100n : req.limit;
    if (limit > maxTxsPerPage) throw invalid(`limit ${limit} is larger than ${maxTxsPerPage}`);
    const page = req.page === 0n ? 1n : req.page;
    if (page > 1_000_000n) throw invalid("page is too large");
    let res;
    try {
      res = await node.txIndex.search(
        q,
        Number(page),
        Number(limit),
        req.orderBy === OrderBy.ORDER_BY_DESC ? "desc" : "asc",
        node.config.rpc.max_tx_search_entries,
      );
    } catch (e) {
      // A damaged index record (txindex 3) is answered as itself, not as a bad request.
      throw e instanceof CodedError && !e.is(txIndexErrors.corrupt) ? invalid(e.message) : e;
    }
    const txResponses = await Promise.all(res.txs.map((t) => txResponse(node, t)));
    return GetTxsEventResponse.encode({
      txs: txResponses.map((r) => (r.tx === undefined ? { signatures: [] } : Tx.decode(r.tx.value))),
      txResponses,
      total: BigInt(res.total),
    }).finish();
  },

  /**
   * The header and bonded validators at a height: the validators as the staking module recorded
   * them at that height's BeginBlock (modules/staking/historical.ts, kept for
   * `historical_entries` blocks), the header the block store's.
   */
  async "/cosmos.staking.v1beta1.Query/HistoricalInfo"(node, data) {
    const req = decodeReq(QueryHistoricalInfoRequest.decode, data, "QueryHistoricalInfoRequest");
    if (req.height <= 0n) throw invalid("height cannot be negative or zero");
    const h = req.height;
    const r = await node.app.query({
      path: "/cosmos.staking.v1beta1.Query/HistoricalInfo",
      data,
      height: 0n,
      prove: false,
    });
    if (r.code !== 0) throw new CodedError(r.codespace, r.code, r.log);
    const hist = QueryHistoricalInfoResponse.decode(r.value).hist!;
    const meta = h <= node.blockStore.height && h >= node.blockStore.base ? await node.blockStore.loadMeta(h) : null;
    return QueryHistoricalInfoResponse.encode({
      hist: { header: meta?.header ?? hist.header, valset: hist.valset },
    }).finish();
  },

  async [`${tm}/GetNodeInfo`](node) {
    const s = node.state();
    return GetNodeInfoResponse.encode({
      defaultNodeInfo: {
        protocolVersion: { p2p: 8n, block: 11n, app: 1n },
        defaultNodeId: node.id,
        listenAddr: node.config.p2p.laddr,
        network: s.chainId,
        version: cometbftVersion,
        channels: Buffer.from("40202122233038606100", "hex"),
        moniker: node.config.moniker,
        other: { txIndex: node.txIndex === null ? "off" : "on", rpcAddress: `tcp://${node.rpcAddress}` },
      },
      applicationVersion: {
        name: "tcompute",
        appName: "tcd",
        version: (
          await node.app.info({ version: cometbftVersion, blockVersion: 11n, p2pVersion: 8n, abciVersion: "2.0.0" })
        ).version,
        gitCommit: "",
        buildTags: "",
        goVersion: `node ${process.versions.node}`,
        buildDeps: [],
        cosmosSdkVersion,
      },
    }).finish();
  },

  async [`${tm}/GetSyncing`](node) {
    return GetSyncingResponse.encode({ syncing: node.catchingUp() }).finish();
  },

  async [`${tm}/GetLatestBlock`](node) {
    return GetLatestBlockResponse.encode(await blockAt(node, node.blockStore.height)).finish();
  },

  async [`${tm}/GetBlockByHeight`](node, data) {
    const req = decodeReq(GetBlockByHeightRequest.decode, data, "GetBlockByHeightRequest");
    if (req.height <= 0n) throw invalid("height must be positive");
    return GetBlockByHeightResponse.encode(await blockAt(node, await heightOrLatest(node, req.height))).finish();
  },

  async [`${tm}/GetLatestValidatorSet`](node, data) {
    const req = decodeReq(GetLatestValidatorSetRequest.decode, data, "GetLatestValidatorSetRequest");
    const h = node.blockStore.height;
    const { validators, total } = await validatorSet(
      node,
      h,
      req.pagination?.offset ?? 0n,
      req.pagination?.limit ?? 0n,
    );
    return GetLatestValidatorSetResponse.encode({
      blockHeight: h,
      validators,
      pagination: { nextKey: new Uint8Array(), total },
    }).finish();
  },

  async [`${tm}/GetValidatorSetByHeight`](node, data) {
    const req = decodeReq(GetValidatorSetByHeightRequest.decode, data, "GetValidatorSetByHeightRequest");
    if (req.height <= 0n) throw invalid("height must be positive");
    const h = await heightOrLatest(node, req.height);
    const { validators, total } = await validatorSet(
      node,
      h,
      req.pagination?.offset ?? 0n,
      req.pagination?.limit ?? 0n,
    );
    return GetValidatorSetByHeightResponse.encode({
      blockHeight: h,
      validators,
      pagination: { nextKey: new Uint8Array(), total },
    }).finish();
  },
};

/** An ABCI query: a node-level path answered here, every other path by the application. */
export async function abciQuery(
  node: RpcBackend,
  req: { path: string; data: Uint8Array; height: bigint },
): Promise<ResponseQuery> {
  const h = Object.prototype.hasOwnProperty.call(nodeQueryHandlers, req.path) ? nodeQueryHandlers[req.path] : undefined;
  if (h === undefined) return node.app.query({ ...req, prove: false });
  const height = node.app.height;
  try {
    if (req.height !== 0n && req.height !== height)
      throw invalid(
        `historical queries are not served: latest height is ${height}, requested ${req.height} (see docs/state.md)`,
      );
    const value = await h(node, req.data);
    return {
      code: 0,
      log: "",
      info: "",
      index: 0n,
      key: new Uint8Array(),
      value,
      proofOps: undefined,
      height,
      codespace: "",
    };
  } catch (e) {
    const err = toCodedError(e);
    return {
      code: err.code,
      log: err.message,
      info: "",
      index: 0n,
      key: new Uint8Array(),
      value: new Uint8Array(),
      proofOps: undefined,
      height,
      codespace: err.codespace,
    };
  }
}

import "../../modules/sdk/protoRuntime.js";
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import {
  CheckTxType,
  ResponseProcessProposal_ProposalStatus as ProposalStatus,
  ResponseVerifyVoteExtension_VerifyStatus as VerifyStatus,
  type Event,
  type ExecTxResult,
  type RequestFinalizeBlock,
  type ResponseQuery,
} from "cosmjs-types/tendermint/abci/types";
import { ConsensusParams } from "cosmjs-types/tendermint/types/params";
import type { AnteDeps } from "../../modules/auth/ante.js";
import type { AccountKeeper } from "../../modules/auth/keeper.js";
import type { Params as AuthParams } from "../../modules/auth/params.js";
import { Context, type BlockInfo, type Logger, type ExecMode } from "../../modules/sdk/context.js";
import { sdkErrors, toCodedError } from "../../modules/sdk/errors.js";
import { asArray, asObject, asString, field } from "../../modules/sdk/json.js";
import { GasMeter } from "../../modules/sdk/gas.js";
import type { AppModule, BeginBlockInfo, MsgRoute, QueryHandler } from "../../modules/sdk/module.js";
import type { ModuleManager } from "../../modules/sdk/moduleManager.js";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { fromUtf8, type KVStore } from "../../modules/sdk/store.js";
import { BranchStore } from "../store/branchStore.js";
import type { PreparedCommit, StateStore } from "../store/stateStore.js";
import type { Application } from "./abci.js";
import { runTx, type TxOutcome, type TxRunnerDeps } from "./txRunner.js";
import { createDecodedTxCache, type DecodedTxCache } from "./txCache.js";
import { txSigners, type DecodedTx } from "../../modules/auth/tx.js";

export const appVersion = 1n;
export const appName = "tcompute";
/** Key of the consensus params the app keeps (max block bytes and gas), set at InitChain. */
const consensusParamsKey = "consensus/p";

export interface ApplicationOptions {
  /** The modules and the orders of their hooks (modules/sdk/moduleManager.ts). */
  manager: ModuleManager;
  accountKeeper: AccountKeeper;
  ante: AnteDeps;
  /** Largest tx CheckTx accepts (the mempool's max_tx_bytes). */
  maxTxBytes: number;
  /** Check every module invariant after each block (tests; costs a scan of the state). */
  checkInvariants: boolean;
  version: string;
  /** Decoded txs kept between CheckTx and FinalizeBlock (txCache.ts); 0 keeps none. */
  decodedTxCacheSize?: number;
}

export interface ApplicationDeps {
  state: StateStore;
  logger: Logger;
}

/** app_state.genutil.gen_txs: base64 TxRaw bytes. */
function genesisTxs(g: unknown): Uint8Array[] {
  if (g === undefined) return [];
  const list = asArray(field(asObject(g, "genutil"), "gen_txs", "genutil"), "genutil.gen_txs");
  return list.map((t, i) => {
    const s = asString(t, `genutil.gen_txs[${i}]`);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw sdkErrors.invalidRequest.wrap(`genutil.gen_txs[${i}] is not base64`);
    return new Uint8Array(Buffer.from(s, "base64"));
  });
}

export interface TcApplication extends Application {
  /** The committed state's height and hash, for the node. */
  readonly height: bigint;
  readonly appHash: Uint8Array;
  readonly chainId: string;
  /** The account number of an address in the committed state (they never change once given). */
  accountNumberOf(address: string): bigint | null;
  /** Decodes a tx through the app's decoded-tx cache (null for bytes that do not decode). */
  decodeTx(tx: Uint8Array): DecodedTx | null;
  /** Runs a read-only function over the committed state (invariants and exports in tests). */
  withCommittedContext<T>(f: (ctx: Context, modules: readonly AppModule[]) => T): T;
}

/** Wires modules into an ABCI++ application over a committed state store. */
export function createApplication(opts: ApplicationOptions, deps: ApplicationDeps): TcApplication {
  const { state, logger } = deps;
  const routes = new Map<string, { route: MsgRoute<unknown>; module: string }>();
  const queries = new Map<string, QueryHandler>();
  for (const m of opts.manager.modules) {
    for (const r of m.msgs) {
      if (routes.has(r.typeUrl)) throw new Error(`message ${r.typeUrl} registered twice`);
      routes.set(r.typeUrl, { route: r, module: m.name });
    }
    for (const [path, h] of Object.entries(m.queries)) queries.set(path, h);
  }
  const router = (typeUrl: string) => routes.get(typeUrl)?.route;
  const decoded = createDecodedTxCache(router, opts.decodedTxCacheSize);
  const runner: TxRunnerDeps = {
    router,
    moduleOf: (typeUrl) => routes.get(typeUrl)?.module ?? "",
    ante: opts.ante,
    logger,
    decode: (bytes, last) => decoded.decode(bytes, last),
  };

  let chainId = state.chainId;
  /** Pending mempool state: CheckTx runs on it so that a sender's pending txs count. */
  let checkState = new BranchStore(state.store);
  let checkBlock: BlockInfo = {
    chainId,
    height: state.height + 1n,
    time: { seconds: 0n, nanos: 0 },
    proposer: new Uint8Array(),
  };
  let prepared: PreparedCommit | null = null;
  let lastBlockTime = { seconds: 0n, nanos: 0 };

  const authParams = (store: KVStore = state.store): AuthParams => opts.accountKeeper.getParams(store);

  function readContext(mode: ExecMode, store: KVStore = state.store): Context {
    return new Context(
      store,
      { chainId, height: state.height, time: lastBlockTime, proposer: new Uint8Array() },
      new GasMeter(undefined),
      mode,
      logger,
    );
  }

  function maxBlockGas(): bigint {
    const raw = state.store.get(consensusParamsKey);
    if (raw === undefined) return -1n;
    return ConsensusParams.decode(raw).block?.maxGas ?? -1n;
  }

  function toExecTxResult(o: TxOutcome): ExecTxResult {
    return {
      code: o.code,
      data: o.data,
      log: o.log,
      info: "",
      gasWanted: o.gasWanted,
      gasUsed: o.gasUsed,
      events: o.events,
      codespace: o.codespace,
    };
  }

  function checkInvariants(store: BranchStore, height: bigint): void {
    const ctx = new Context(
      store,
      { chainId, height, time: lastBlockTime, proposer: new Uint8Array() },
      new GasMeter(undefined),
      "query",
      logger,
    );
    for (const m of opts.manager.modules) {
      for (const inv of m.invariants) {
        const broken = inv.check(ctx);
        if (broken.length > 0)
          throw new Error(`invariant ${inv.name} broken at height ${height}: ${broken.join("; ")}`);
      }
    }
  }

  function queryError(e: unknown, height: bigint): ResponseQuery {
    const err = toCodedError(e);
    return {
      code: err.code,
      log: err.message,
      info: "",
      index: 0n,
      key: new Uint8Array(),
      value: new Uint8Array(),
      height,
      codespace: err.codespace,
    };
  }

  const app: TcApplication = {
    get height() {
      return state.height;
    },
    get appHash() {
      return state.appHash;
    },
    get chainId() {
      return chainId;
    },

    accountNumberOf(address) {
      return opts.accountKeeper.getAccount(state.store, address)?.accountNumber ?? null;
    },

    decodeTx(tx) {
      try {
        return decoded.decode(tx);
      } catch {
        return null;
      }
    },

    withCommittedContext(f) {
      return f(readContext("query"), opts.manager.modules);
    },

    async info() {
      return {
        data: appName,
        version: opts.version,
        appVersion,
        lastBlockHeight: state.initialized ? state.height : 0n,
        lastBlockAppHash: state.initialized ? state.appHash : new Uint8Array(),
      };
    },

    async initChain(req) {
      if (state.initialized)
        throw new Error(`initChain on an initialized state (chain ${state.chainId}, height ${state.height})`);
      chainId = req.chainId;
      let appState: Record<string, unknown>;
      try {
        appState = JSON.parse(fromUtf8(req.appStateBytes)) as Record<string, unknown>;
      } catch (e) {
        throw sdkErrors.invalidRequest.wrap(`genesis app_state is not valid JSON: ${(e as Error).message}`);
      }
      const store = new BranchStore(state.store);
      const block: BlockInfo = { chainId, height: req.initialHeight - 1n, time: req.time, proposer: new Uint8Array() };
      const ctx = new Context(store, block, new GasMeter(undefined), "genesis", logger);
      opts.manager.initGenesis(ctx, appState);
      if (req.consensusParams !== undefined)
        store.set(consensusParamsKey, ConsensusParams.encode(req.consensusParams).finish());
      // Genesis txs (gentxs), then the end-blockers: the first validator set comes from stake.
      for (const [i, tx] of genesisTxs(appState["genutil"]).entries()) {
        const o = runTx(runner, "genesis", store, block, authParams(store), tx, opts.maxTxBytes);
        if (o.code !== 0)
          throw sdkErrors.invalidRequest.wrap(`genesis tx ${i} failed (${o.codespace} ${o.code}): ${o.log}`);
      }
      const endCtx = new Context(store, block, new GasMeter(undefined), "genesis", logger);
      const validatorUpdates = opts.manager.endBlock(endCtx);
      if (opts.checkInvariants) checkInvariants(store, block.height);
      const p = state.prepare(req.initialHeight - 1n, store.pending);
      await state.commit(p, chainId);
      checkState = new BranchStore(state.store);
      checkBlock = { chainId, height: state.height + 1n, time: req.time, proposer: new Uint8Array() };
      lastBlockTime = req.time;
      return {
        validators: validatorUpdates.map((v) => ({ pubKey: { ed25519: v.pubKey }, power: v.power })),
        appHash: state.appHash,
      };
    },

    async checkTx(req) {
      const mode = req.type === CheckTxType.RECHECK ? "recheck" : "check";
      const o = runTx(runner, mode, checkState, checkBlock, authParams(checkState), req.tx, opts.maxTxBytes);
      // No data, as the SDK's CheckTx: CometBFT's broadcast_tx_sync returns it as hex, which
      // cosmjs would decode as base64 (and fail); msg responses belong to FinalizeBlock.
      return {
        code: o.code,
        data: new Uint8Array(),
        log: o.log,
        info: o.sender,
        gasWanted: o.gasWanted,
        gasUsed: o.gasUsed,
        events: o.events,
        codespace: o.codespace,
      };
    },

    async prepareProposal(req) {
      // Take mempool txs in order while they fit the block's byte and gas limits. A tx over the
      // gas limit is left out and the next ones are tried, but not its signers' later txs: they
      // would carry the sequence after the one left out and fail in the block (CometBFT's and the
      // SDK's mempools keep each sender's txs in order). The byte limit ends the block at once.
      const maxGas = maxBlockGas();
      const txs: Uint8Array[] = [];
      const skipped = new Set<string>();
      let bytes = 0n;
      let gas = 0n;
      for (const tx of req.txs) {
        if (bytes + BigInt(tx.length) > req.maxTxBytes) break;
        // What ProcessProposal would reject is left out, so that the two agree by construction
        // (every mempool tx passed CheckTx; this holds across a change of the rules too).
        const gasLimit = tx.length === 0 || tx.length > opts.maxTxBytes ? null : declaredGas(tx, decoded);
        if (gasLimit === null) continue;
        // Signers are looked up only once some tx was left out: the common block has none.
        if (skipped.size > 0) {
          const signers = signersOf(tx, decoded);
          if (signers.some((s) => skipped.has(s))) {
            for (const s of signers) skipped.add(s);
            continue;
          }
        }
        if (maxGas >= 0n && gas + gasLimit > maxGas) {
          for (const s of signersOf(tx, decoded)) skipped.add(s);
          continue;
        }
        bytes += BigInt(tx.length);
        gas += gasLimit;
        txs.push(tx);
      }
      return { txs };
    },

    async processProposal(req) {
      const maxGas = maxBlockGas();
      let gas = 0n;
      for (const tx of req.txs) {
        if (tx.length === 0 || tx.length > opts.maxTxBytes) return { status: ProposalStatus.REJECT };
        // A tx that does not decode (or not in its one canonical form, modules/auth/txForm.ts)
        // never passed an honest node's CheckTx, so only a byzantine proposer includes it: to
        // fill the block with junk that fails for free. The SDK's default handler rejects it too.
        // Decoding is a pure function of the bytes: every honest validator votes alike.
        const gasLimit = declaredGas(tx, decoded);
        if (gasLimit === null) return { status: ProposalStatus.REJECT };
        gas += gasLimit;
      }
      if (maxGas >= 0n && gas > maxGas) return { status: ProposalStatus.REJECT };
      return { status: ProposalStatus.ACCEPT };
    },

    async finalizeBlock(req: RequestFinalizeBlock) {
      if (req.height !== state.height + 1n)
        throw new Error(`finalizeBlock ${req.height} on state at height ${state.height}`);
      const block: BlockInfo = {
        chainId,
        height: req.height,
        time: req.time,
        proposer: req.proposerAddress,
        hash: req.hash,
      };
      const blockStore = new BranchStore(state.store);
      const blockCtx = new Context(blockStore, block, new GasMeter(undefined), "block", logger);
      const info: BeginBlockInfo = {
        lastCommit: (req.decidedLastCommit?.votes ?? []).map((v) => ({
          address: v.validator.address,
          power: v.validator.power,
          signed: v.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
        })),
        misbehavior: req.misbehavior.map((m) => ({
          address: m.validator.address,
          power: m.validator.power,
          height: m.height,
          time: m.time,
          totalPower: m.totalVotingPower,
        })),
      };
      for (const m of info.misbehavior)
        logger.info("misbehaviour reported by consensus", { validator: m.address, height: m.height, power: m.power });
      opts.manager.beginBlock(blockCtx, info);
      const beginEvents = tagEvents(blockCtx.events.events, "BeginBlock");
      const params = authParams(blockStore);
      const txResults = req.txs.map((tx) =>
        toExecTxResult(runTx(runner, "deliver", blockStore, block, params, tx, opts.maxTxBytes)),
      );
      const endCtx = new Context(blockStore, block, new GasMeter(undefined), "block", logger);
      const validatorUpdates = opts.manager.endBlock(endCtx);
      const endEvents = tagEvents(endCtx.events.events, "EndBlock");
      if (opts.checkInvariants) checkInvariants(blockStore, req.height);
      prepared = state.prepare(req.height, blockStore.pending);
      lastBlockTime = req.time;
      return {
        events: [...beginEvents, ...endEvents],
        txResults,
        validatorUpdates: validatorUpdates.map((v) => ({ pubKey: { ed25519: v.pubKey }, power: v.power })),
        appHash: prepared.appHash,
      };
    },

    async commit() {
      if (prepared === null) throw new Error("commit without finalizeBlock");
      const p = prepared;
      prepared = null;
      await state.commit(p, chainId);
      checkState = new BranchStore(state.store);
      checkBlock = { chainId, height: state.height + 1n, time: lastBlockTime, proposer: new Uint8Array() };
      return { retainHeight: 0n };
    },

    async query(req) {
      const height = state.height;
      if (req.height !== 0n && req.height !== height) {
        return queryError(
          sdkErrors.invalidRequest.wrap(
            `historical queries are not served: latest height is ${height}, requested ${req.height}`,
          ),
          height,
        );
      }
      try {
        if (req.path === "/cosmos.tx.v1beta1.Service/Simulate") return simulate(req.data, height);
        const h = queries.get(req.path);
        if (h === undefined) throw sdkErrors.unknownRequest.wrap(`unknown query path ${req.path}`);
        const value = h(readContext("query"), req.data);
        return { code: 0, log: "", info: "", index: 0n, key: new Uint8Array(), value, height, codespace: "" };
      } catch (e) {
        return queryError(e, height);
      }
    },

    async extendVote() {
      return { voteExtension: new Uint8Array() };
    },

    async verifyVoteExtension() {
      return { status: VerifyStatus.ACCEPT };
    },
  };

  function simulate(data: Uint8Array, height: bigint): ResponseQuery {
    let req: SimulateRequest;
    try {
      req = SimulateRequest.decode(data);
    } catch (e) {
      throw sdkErrors.txDecode.wrap(`malformed SimulateRequest: ${(e as Error).message}`);
    }
    const block: BlockInfo = { chainId, height: height + 1n, time: lastBlockTime, proposer: new Uint8Array() };
    const scratch = new BranchStore(state.store);
    const o = runTx(runner, "simulate", scratch, block, authParams(), req.txBytes, opts.maxTxBytes);
    if (o.code !== 0) {
      return {
        code: o.code,
        log: o.log,
        info: "",
        index: 0n,
        key: new Uint8Array(),
        value: new Uint8Array(),
        height,
        codespace: o.codespace,
      };
    }
    const value = SimulateResponse.encode({
      // As the SDK: simulation runs on an infinite gas meter, whose limit is the max uint64.
      gasInfo: { gasWanted: 18446744073709551615n, gasUsed: o.gasUsed },
      result: { data: new Uint8Array(), log: "", events: o.events, msgResponses: [] },
    }).finish();
    return { code: 0, log: "", info: "", index: 0n, key: new Uint8Array(), value, height, codespace: "" };
  }

  return app;
}

/**
 * The gas limit a tx declares, or null when it does not decode (in its canonical form). Decoded
 * through the cache: a proposal's txs are then decoded once, here, for FinalizeBlock too.
 */
function declaredGas(tx: Uint8Array, decoded: DecodedTxCache): bigint | null {
  try {
    return decoded.decode(tx).authInfo.fee?.gasLimit ?? 0n;
  } catch {
    return null;
  }
}

/**
 * The accounts whose sequences a tx uses (its required signers), none if it does not decode (it
 * fails in execution without using a sequence).
 */
function signersOf(tx: Uint8Array, decoded: DecodedTxCache): string[] {
  try {
    return txSigners(decoded.decode(tx));
  } catch {
    return [];
  }
}

/** The SDK marks begin/end-block events with a `mode` attribute. */
function tagEvents(events: Event[], mode: string): Event[] {
  for (const e of events) e.attributes.push({ key: "mode", value: mode, index: false });
  return events;
}

import {
  MisbehaviorType,
  type Misbehavior,
  type RequestFinalizeBlock,
  type ResponseFinalizeBlock,
} from "cosmjs-types/tendermint/abci/types";
import type { Evidence } from "cosmjs-types/tendermint/types/evidence";
import { Block } from "cosmjs-types/tendermint/types/block";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import type { BlockID, Commit, ExtendedCommit, Header } from "cosmjs-types/tendermint/types/types";
import type { Logger, Timestamp } from "../../modules/sdk/context.js";
import type { Application } from "../app/abci.js";
import { hashTx, type Mempool } from "../mempool/mempool.js";
import type { BlockStore } from "../store/blockStore.js";
import type { TxIndex } from "../store/txIndex.js";
import { encodeTxResultJson } from "../store/resultCodec.js";
import { commitHash, dataHash, evidenceListHash, headerHash, resultsHash } from "../types/hashes.js";
import { makePartSet } from "../types/partSet.js";
import { rememberBuilt } from "./builtBlocks.js";
import { ed25519Address } from "../crypto/ed25519.js";
import type { ValidatorSet } from "../types/validatorSet.js";
import { hexAddress, setHash, setToProto, type ChainState } from "./chainState.js";

/** The CometBFT block protocol version this node speaks, and the app's version. */
export const blockProtocol = 11n;

export interface ProposedBlock {
  block: Block;
  blockId: BlockID;
  bytes: Uint8Array;
}

/** Builds the next block on `state`: the header commits to the txs, the last commit and state. */
export function makeBlock(
  state: ChainState,
  txs: Uint8Array[],
  lastCommit: Commit,
  proposer: Uint8Array,
  time: Timestamp,
  appVersion: bigint,
  evidence: Evidence[] = [],
): ProposedBlock {
  const height = state.lastBlockHeight + 1n;
  const txsHash = dataHash(txs);
  const header: Header = {
    version: { block: blockProtocol, app: appVersion },
    chainId: state.chainId,
    height,
    time,
    lastBlockId: state.lastBlockId,
    lastCommitHash: commitHash(lastCommit),
    dataHash: txsHash,
    validatorsHash: setHash(state.validators),
    nextValidatorsHash: setHash(state.nextValidators),
    consensusHash: state.consensusHash,
    appHash: state.appHash,
    lastResultsHash: state.lastResultsHash,
    evidenceHash: evidenceListHash(evidence),
    proposerAddress: proposer,
  };
  const block: Block = { header, data: { txs }, evidence: { evidence }, lastCommit };
  const bytes = Block.encode(block).finish();
  const parts = makePartSet(bytes);
  // Its own proposal is validated next: validateBlock takes this data_hash (builtBlocks.ts).
  rememberBuilt(bytes, parts.hash, txsHash);
  return {
    block,
    blockId: { hash: headerHash(header), partSetHeader: { total: parts.total, hash: parts.hash } },
    bytes,
  };
}

/** Where executed blocks are published (the node's event bus); chain/state knows no more of it. */
export interface BlockEvents {
  publishBlock(block: Block, blockId: BlockID, results: ResponseFinalizeBlock, hashes: readonly string[]): void;
}

export interface ExecutorDeps {
  app: Application;
  blockStore: BlockStore;
  txIndex: TxIndex | null;
  mempool: Mempool;
  eventBus: BlockEvents;
  logger: Logger;
}

/** The votes of a commit as the app sees them (decided_last_commit). */
export function commitInfo(commit: Commit | undefined, validators: ValidatorSet | null) {
  if (validators === null || commit === undefined) return { round: 0, votes: [] };
  const flags = new Map(commit.signatures.map((s) => [hexAddress(s.validatorAddress), s.blockIdFlag]));
  return {
    round: commit.round,
    votes: validators.validators.map((v) => ({
      validator: { address: Buffer.from(v.address, "hex"), power: v.power },
      blockIdFlag: flags.get(v.address) ?? BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
    })),
  };
}

/** Evidence in a block as the app sees it: each double-signer with its power at the time. */
export function misbehaviorOf(evidence: readonly Evidence[]): Misbehavior[] {
  const out: Misbehavior[] = [];
  for (const e of evidence) {
    const d = e.duplicateVoteEvidence;
    if (d === undefined || d.voteA === undefined) continue;
    out.push({
      type: MisbehaviorType.DUPLICATE_VOTE,
      validator: { address: d.voteA.validatorAddress, power: d.validatorPower },
      height: d.voteA.height,
      time: d.timestamp,
      totalVotingPower: d.totalVotingPower,
    });
  }
  return out;
}

/** FinalizeBlock's request for a block: the same on first execution and on handshake replay. */
export function finalizeRequest(
  block: Block,
  hash: Uint8Array,
  lastValidators: ValidatorSet | null,
): RequestFinalizeBlock {
  const header = block.header!;
  return {
    txs: block.data?.txs ?? [],
    decidedLastCommit: commitInfo(block.lastCommit, lastValidators),
    misbehavior: misbehaviorOf(block.evidence?.evidence ?? []),
    hash,
    height: header.height,
    time: header.time,
    nextValidatorsHash: header.nextValidatorsHash,
    proposerAddress: header.proposerAddress,
  };
}

/**
 * The sets after block H: H+1 gets the set decided at H-1, H+2 the current next set with the
 * app's updates applied; each advanced one proposer step, as CometBFT's updateState.
 */
export function nextValidatorSets(
  state: ChainState,
  results: ResponseFinalizeBlock,
): { validators: ValidatorSet; nextValidators: ValidatorSet } {
  const updates = results.validatorUpdates.map((u) => {
    const pk = u.pubKey.ed25519;
    if (pk === undefined || pk.length !== 32) throw new Error("validator update without a 32-byte ed25519 key");
    return { address: hexAddress(ed25519Address(pk)), pubKey: pk, power: u.power };
  });
  const next = updates.length > 0 ? state.nextValidators.withUpdates(updates) : state.nextValidators.copy();
  next.increment(1);
  return { validators: state.nextValidators.copy(), nextValidators: next };
}

/**
 * Executes a decided block and makes it durable, in the crash-safe order: FinalizeBlock, save
 * the block with its results and commit (one batch), Commit the app's state, then index, clean
 * the mempool and publish. A crash after the save replays the block from the store on start.
 */
export async function applyBlock(
  deps: ExecutorDeps,
  state: ChainState,
  p: ProposedBlock,
  seenCommit: Commit,
  extendedCommit?: ExtendedCommit,
): Promise<{ state: ChainState; results: ResponseFinalizeBlock }> {
  const header = p.block.header!;
  const txs = p.block.data?.txs ?? [];
  const hashes = txs.map(hashTx);
  let resultJsons: string[] = [];
  let sets: ReturnType<typeof nextValidatorSets> | null = null;
  const results = await deps.mempool.withLock(async () => {
    const res = await deps.app.finalizeBlock(finalizeRequest(p.block, p.blockId.hash, state.lastValidators));
    resultJsons = res.txResults.map(encodeTxResultJson);
    sets = nextValidatorSets(state, res);
    await deps.blockStore.save({
      block: p.block,
      meta: { blockId: p.blockId, blockSize: BigInt(p.bytes.length), header, numTxs: BigInt(txs.length) },
      seenCommit,
      ...(extendedCommit === undefined ? {} : { extendedCommit }),
      results: res,
      txResultJsons: resultJsons,
      validators: [setToProto(state.validators), setToProto(sets.validators), setToProto(sets.nextValidators)],
    });
    await deps.app.commit();
    await deps.mempool.update(hashes);
    return res;
  });
  if (deps.txIndex !== null) await deps.txIndex.indexBlock(header.height, txs, hashes, results.txResults, resultJsons);
  deps.eventBus.publishBlock(p.block, p.blockId, results, hashes);
  const next: ChainState = {
    ...state,
    lastBlockHeight: header.height,
    lastBlockId: p.blockId,
    lastBlockTime: header.time,
    lastValidators: state.validators,
    validators: sets!.validators,
    nextValidators: sets!.nextValidators,
    lastResultsHash: resultsHash(results.txResults),
    appHash: results.appHash,
  };
  return { state: next, results };
}

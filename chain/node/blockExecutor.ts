import type { ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import { Block } from "cosmjs-types/tendermint/types/block";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import type { BlockID, Commit, Header } from "cosmjs-types/tendermint/types/types";
import type { Logger, Timestamp } from "../../modules/sdk/context.js";
import type { Application } from "../app/abci.js";
import { hashTx, type Mempool } from "../mempool/mempool.js";
import type { BlockStore } from "../store/blockStore.js";
import type { TxIndex } from "../store/txIndex.js";
import { encodeTxResultJson } from "../store/resultCodec.js";
import { commitHash, dataHash, headerHash, resultsHash } from "../types/hashes.js";
import { emptyHash } from "../types/merkle.js";
import { makePartSet } from "../types/partSet.js";
import { setHash, type ChainState, type Validator } from "./chainState.js";
import type { EventBus } from "./eventBus.js";

/** The CometBFT block protocol version this node speaks, and the app's version. */
export const blockProtocol = 11n;

export interface ProposedBlock {
  block: Block;
  blockId: BlockID;
  bytes: Uint8Array;
}

/** Builds the next block on `state`: the header commits to the txs, the last commit and state. */
export function makeBlock(state: ChainState, txs: Uint8Array[], lastCommit: Commit, proposer: Uint8Array, time: Timestamp, appVersion: bigint): ProposedBlock {
  const height = state.lastBlockHeight + 1n;
  const vHash = setHash(state.validators);
  const header: Header = {
    version: { block: blockProtocol, app: appVersion },
    chainId: state.chainId,
    height,
    time,
    lastBlockId: state.lastBlockId,
    lastCommitHash: commitHash(lastCommit),
    dataHash: dataHash(txs),
    validatorsHash: vHash,
    nextValidatorsHash: vHash,
    consensusHash: state.consensusHash,
    appHash: state.appHash,
    lastResultsHash: state.lastResultsHash,
    evidenceHash: emptyHash,
    proposerAddress: proposer,
  };
  const block: Block = { header, data: { txs }, evidence: { evidence: [] }, lastCommit };
  const bytes = Block.encode(block).finish();
  const parts = makePartSet(bytes);
  return { block, blockId: { hash: headerHash(header), partSetHeader: { total: parts.total, hash: parts.hash } }, bytes };
}

export interface ExecutorDeps {
  app: Application;
  blockStore: BlockStore;
  txIndex: TxIndex | null;
  mempool: Mempool;
  eventBus: EventBus;
  logger: Logger;
}

/** The votes of a commit as the app sees them (decided_last_commit). */
function commitInfo(commit: Commit, validators: readonly Validator[]) {
  return {
    round: commit.round,
    votes: validators.map((v) => {
      const sig = commit.signatures.find((s) => Buffer.compare(Buffer.from(s.validatorAddress), Buffer.from(v.address)) === 0);
      return { validator: { address: v.address, power: v.power }, blockIdFlag: sig?.blockIdFlag ?? BlockIDFlag.BLOCK_ID_FLAG_ABSENT };
    }),
  };
}

/**
 * Executes a decided block and makes it durable, in the crash-safe order: FinalizeBlock, save
 * the block with its results and commit (one batch), Commit the app's state, then index, clean
 * the mempool and publish. A crash after the save replays the block from the store on start.
 */
export async function applyBlock(deps: ExecutorDeps, state: ChainState, p: ProposedBlock, seenCommit: Commit, lastCommitValidators: readonly Validator[]): Promise<{ state: ChainState; results: ResponseFinalizeBlock }> {
  const header = p.block.header!;
  const txs = p.block.data?.txs ?? [];
  const hashes = txs.map(hashTx);
  let resultJsons: string[] = [];
  const results = await deps.mempool.withLock(async () => {
    const res = await deps.app.finalizeBlock({
      txs,
      decidedLastCommit: commitInfo(p.block.lastCommit!, lastCommitValidators),
      misbehavior: [],
      hash: p.blockId.hash,
      height: header.height,
      time: header.time,
      nextValidatorsHash: header.nextValidatorsHash,
      proposerAddress: header.proposerAddress,
    });
    resultJsons = res.txResults.map(encodeTxResultJson);
    await deps.blockStore.save({
      block: p.block,
      meta: { blockId: p.blockId, blockSize: BigInt(p.bytes.length), header, numTxs: BigInt(txs.length) },
      seenCommit,
      results: res,
      txResultJsons: resultJsons,
      validators: { validators: state.validators.map((v) => ({ address: v.address, pubKey: { ed25519: v.pubKey }, votingPower: v.power, proposerPriority: 0n })), proposer: undefined, totalVotingPower: state.validators.reduce((s, v) => s + v.power, 0n) },
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
    lastResultsHash: resultsHash(results.txResults),
    appHash: results.appHash,
  };
  return { state: next, results };
}

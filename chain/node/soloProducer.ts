import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import type { Commit } from "cosmjs-types/tendermint/types/types";
import { ProposalStatus, type Application } from "../app/abci.js";
import type { PrivValidator } from "../consensus/privValidator.js";
import type { Mempool } from "../mempool/mempool.js";
import type { BlockStore } from "../store/blockStore.js";
import { SignedMsgType } from "../types/signBytes.js";
import { nextBlockTime, timeFromMillis } from "../types/time.js";
import type { Logger } from "../../modules/sdk/context.js";
import { appVersion } from "../app/application.js";
import { applyBlock, makeBlock, type ExecutorDeps } from "../state/blockExecutor.js";
import { emptyBlockId, type ChainState } from "../state/chainState.js";
import { blockTime } from "../state/validation.js";

// Block production for a network of one validator: every `timeout_commit` it proposes a block
// from the mempool, signs its precommit (through the file signer, so never twice differently
// at one height and round) and applies it. The Tendermint engine replaces this when there are
// several validators; both use the same block, commit and executor code.

export interface SoloProducerOptions {
  timeoutCommitMs: number;
  createEmptyBlocks: boolean;
  /** With createEmptyBlocks false: still make an empty block after this long (0: never). */
  emptyBlocksIntervalMs: number;
}

export interface SoloProducerDeps extends ExecutorDeps {
  app: Application;
  mempool: Mempool;
  blockStore: BlockStore;
  signer: PrivValidator;
  logger: Logger;
  getState(): ChainState;
  setState(s: ChainState): void;
  now(): number;
  /** Called once if block production hits an impossible state; the node stops. */
  onHalt(err: Error): void;
}

export interface SoloProducer {
  start(): void;
  stop(): Promise<void>;
  /** Produces one block now (tests and the first block). */
  produce(): Promise<void>;
}

export function createSoloProducer(opts: SoloProducerOptions, deps: SoloProducerDeps): SoloProducer {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;
  let lastBlockAt = deps.now();

  async function lastCommit(state: ChainState): Promise<Commit> {
    if (state.lastBlockHeight < state.initialHeight) {
      return { height: 0n, round: 0, blockId: emptyBlockId(), signatures: [] };
    }
    const c = await deps.blockStore.loadSeenCommit(state.lastBlockHeight);
    if (c === null) throw new Error(`no commit stored for height ${state.lastBlockHeight}`);
    return c;
  }

  async function produce(): Promise<void> {
    const started = deps.now();
    const state = deps.getState();
    const height = state.lastBlockHeight + 1n;
    const me = { address: Buffer.from(state.validators.proposer.address, "hex") };
    // BFT time, as in a network: the genesis time, then the (only) vote time of the last commit.
    const last = await lastCommit(state);
    const time = blockTime(state, last);
    const candidates = deps.mempool.reap(Number(state.maxBlockBytes) - 64 * 1024, state.maxBlockGas);
    const { txs } = await deps.app.prepareProposal({
      maxTxBytes: state.maxBlockBytes - 64n * 1024n,
      txs: candidates,
      localLastCommit: { round: 0, votes: [] },
      misbehavior: [],
      height,
      time,
      nextValidatorsHash: new Uint8Array(),
      proposerAddress: me.address,
    });
    const p = makeBlock(state, txs, last, me.address, time, appVersion);
    const verdict = await deps.app.processProposal({
      txs,
      proposedLastCommit: { round: 0, votes: [] },
      misbehavior: [],
      hash: p.blockId.hash,
      height,
      time,
      nextValidatorsHash: p.block.header!.nextValidatorsHash,
      proposerAddress: me.address,
    });
    if (verdict.status !== ProposalStatus.ACCEPT) throw new Error(`own proposal at height ${height} rejected by the application`);
    // A restart after signing at this height moves to the next round rather than sign twice.
    const round = deps.signer.last.height === height ? deps.signer.last.round + 1 : 0;
    // The vote is dated now, after the block's time (CometBFT's voteTime): the next block's time.
    const voteAt = nextBlockTime(timeFromMillis(deps.now()), time);
    const signature = deps.signer.signVote(state.chainId, SignedMsgType.precommit, height, round, p.blockId, voteAt);
    const seen: Commit = {
      height,
      round,
      blockId: p.blockId,
      signatures: [{ blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT, validatorAddress: me.address, timestamp: voteAt, signature }],
    };
    const { state: next } = await applyBlock(deps, state, p, seen);
    deps.setState(next);
    lastBlockAt = deps.now();
    deps.logger.info("committed block", { height, txs: txs.length, ms: deps.now() - started, hash: p.blockId.hash, app_hash: next.appHash });
  }

  function due(): boolean {
    const since = deps.now() - lastBlockAt;
    if (since < opts.timeoutCommitMs) return false;
    if (deps.mempool.size > 0 || opts.createEmptyBlocks) return true;
    return opts.emptyBlocksIntervalMs > 0 && since >= opts.emptyBlocksIntervalMs;
  }

  function schedule(): void {
    if (stopped) return;
    const wait = Math.max(5, Math.min(50, opts.timeoutCommitMs - (deps.now() - lastBlockAt)));
    timer = setTimeout(tick, wait);
  }

  function tick(): void {
    timer = null;
    if (stopped) return;
    if (!due()) return schedule();
    running = produce()
      .catch((e: unknown) => {
        deps.logger.error("block production failed; halting", { error: (e as Error).stack ?? String(e) });
        stopped = true; // halt rather than continue on an impossible state
        deps.onHalt(e as Error);
      })
      .finally(() => {
        running = null;
        schedule();
      });
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      lastBlockAt = deps.now();
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (running !== null) await running;
    },
    produce,
  };
}

import type { Block } from "cosmjs-types/tendermint/types/block";
import type { BlockID, Commit, CommitSig, ExtendedCommit, Vote as PbVote } from "cosmjs-types/tendermint/types/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import { appVersion } from "../app/application.js";
import { commitInfo, makeBlock, misbehaviorOf, type ProposedBlock } from "../state/blockExecutor.js";
import { setHash } from "../state/chainState.js";
import { blockTime } from "../state/validation.js";
import { headerHash } from "../types/hashes.js";
import { makePartSet } from "../types/partSet.js";
import { extensionsOn, hexAddr, setAt, type DriverContext } from "./driverContext.js";
import { emptyBlockId } from "./signedMessages.js";
import { VoteType, type Vote } from "./types.js";

// Block building for the consensus driver (CometBFT's state.CreateProposalBlock and the vote
// and commit building around it): the block this validator proposes, the commit and extended
// commit of a decided height, and what the app is asked for extensions and PrepareProposal.

/**
 * The block this validator proposes at (h, round): BFT time, mempool txs through the app's
 * PrepareProposal, pending evidence. Null if the height moved on or the driver stopped meanwhile.
 */
export async function buildValue(ctx: DriverContext, h: bigint): Promise<ProposedBlock | null> {
  const { opts, deps } = ctx;
  const state = deps.getState();
  const lastCommit =
    h === opts.initialHeight
      ? { height: 0n, round: 0, blockId: emptyBlockId(), signatures: [] }
      : (await deps.blockStore.loadSeenCommit(h - 1n))!;
  // BFT time: not this node's clock, the median of the last commit's vote times.
  const time = blockTime(state, lastCommit);
  const candidates = deps.mempool.reap(Number(state.maxBlockBytes) - 64 * 1024, state.maxBlockGas);
  const proposer = Buffer.from(ctx.self!, "hex");
  const evidence = deps.evidence.proposable();
  const { txs } = await deps.app.prepareProposal({
    maxTxBytes: state.maxBlockBytes - 64n * 1024n,
    txs: candidates,
    localLastCommit: await localLastCommit(ctx, h),
    misbehavior: misbehaviorOf(evidence),
    height: h,
    time,
    nextValidatorsHash: setHash(state.nextValidators),
    proposerAddress: proposer,
  });
  if (ctx.height !== h || ctx.stopped) return null;
  return makeBlock(state, txs, lastCommit, proposer, time, appVersion, evidence);
}

/** The last height's precommits with their extensions, for PrepareProposal. */
export async function localLastCommit(ctx: DriverContext, h: bigint) {
  const { opts, deps } = ctx;
  const state = deps.getState();
  if (h === opts.initialHeight || state.lastValidators === null) return { round: 0, votes: [] };
  const ext = extensionsOn(ctx, h - 1n) ? await deps.blockStore.loadExtendedCommit(h - 1n) : null;
  const commit = ext ?? (await deps.blockStore.loadSeenCommit(h - 1n));
  if (commit === null) return { round: 0, votes: [] };
  const sigs = new Map<string, { blockIdFlag: number; extension: Uint8Array; extensionSignature: Uint8Array }>();
  const empty = new Uint8Array();
  if ("extendedSignatures" in commit)
    for (const s of commit.extendedSignatures) sigs.set(hexAddr(s.validatorAddress), s);
  else
    for (const s of commit.signatures)
      sigs.set(hexAddr(s.validatorAddress), {
        blockIdFlag: s.blockIdFlag,
        extension: empty,
        extensionSignature: empty,
      });
  return {
    round: commit.round,
    votes: state.lastValidators.validators.map((v) => {
      const s = sigs.get(v.address);
      return {
        validator: { address: Buffer.from(v.address, "hex"), power: v.power },
        voteExtension: s?.extension ?? new Uint8Array(),
        extensionSignature: s?.extensionSignature ?? new Uint8Array(),
        blockIdFlag: s?.blockIdFlag ?? BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
      };
    }),
  };
}

/** What the app's ExtendVote is asked about the block a precommit is for. */
export function extendVoteRequest(ctx: DriverContext, pb: ProposedBlock) {
  const hd = pb.block.header!;
  return {
    hash: pb.blockId.hash,
    height: hd.height,
    time: hd.time,
    txs: pb.block.data?.txs ?? [],
    proposedLastCommit: commitInfo(pb.block.lastCommit, ctx.deps.getState().lastValidators),
    misbehavior: misbehaviorOf(pb.block.evidence?.evidence ?? []),
    nextValidatorsHash: hd.nextValidatorsHash,
    proposerAddress: hd.proposerAddress,
  };
}

/** Each precommit's protobuf vote by validator (ours from the signed own votes). */
function precommitsByValidator(ctx: DriverContext, round: number, precommits: readonly Vote[]): Map<string, PbVote> {
  const byVal = new Map<string, PbVote>();
  for (const v of precommits) {
    const pb =
      (v.extra as PbVote | undefined) ??
      (v.validator === ctx.self ? ctx.ownVotes.get(`${VoteType.precommit}/${round}`) : undefined);
    if (pb !== undefined) byVal.set(v.validator, pb);
  }
  return byVal;
}

/** The commit of a decided height: one slot per validator of the set, in set order. */
export function buildCommit(
  ctx: DriverContext,
  h: bigint,
  round: number,
  blockId: BlockID,
  precommits: readonly Vote[],
): Commit {
  const byVal = precommitsByValidator(ctx, round, precommits);
  const signatures: CommitSig[] = setAt(ctx, h)!.validators.map((val) => {
    const pb = byVal.get(val.address);
    return pb === undefined
      ? {
          blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_ABSENT,
          validatorAddress: new Uint8Array(),
          timestamp: { seconds: 0n, nanos: 0 },
          signature: new Uint8Array(),
        }
      : {
          blockIdFlag: BlockIDFlag.BLOCK_ID_FLAG_COMMIT,
          validatorAddress: pb.validatorAddress,
          timestamp: pb.timestamp,
          signature: pb.signature,
        };
  });
  return { height: h, round, blockId, signatures };
}

/** The commit with each precommit's extension (what the next proposer hands the app). */
export function buildExtendedCommit(ctx: DriverContext, c: Commit, precommits: readonly Vote[]): ExtendedCommit {
  const byVal = precommitsByValidator(ctx, c.round, precommits);
  return {
    height: c.height,
    round: c.round,
    blockId: c.blockId,
    extendedSignatures: c.signatures.map((s) => {
      const pb =
        s.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT ? byVal.get(hexAddr(s.validatorAddress)) : undefined;
      return {
        ...s,
        extension: pb?.extension ?? new Uint8Array(),
        extensionSignature: pb?.extensionSignature ?? new Uint8Array(),
      };
    }),
  };
}

/** A block with the id CometBFT gives it: its header's hash and its bytes' part set. */
export function makeBlockFromBytes(block: Block, bytes: Uint8Array): ProposedBlock {
  const parts = makePartSet(bytes);
  return {
    block,
    blockId: { hash: headerHash(block.header!), partSetHeader: { total: parts.total, hash: parts.hash } },
    bytes,
  };
}

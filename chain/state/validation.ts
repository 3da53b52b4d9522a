import { Block } from "cosmjs-types/tendermint/types/block";
import type { Evidence } from "cosmjs-types/tendermint/types/evidence";
import type { BlockID, Commit } from "cosmjs-types/tendermint/types/types";
import { BlockIDFlag } from "cosmjs-types/tendermint/types/validator";
import type { Timestamp } from "../../modules/sdk/context.js";
import { registerError } from "../../modules/sdk/errors.js";
import type { ValidatorSet } from "../types/validatorSet.js";
import { commitHash, dataHash, evidenceListHash, headerHash } from "../types/hashes.js";
import { bytesEqual } from "../types/bytes.js";
import { makePartSet } from "../types/partSet.js";
import { SignedMsgType, voteSignBytes } from "../types/signBytes.js";
import { compareTime, formatTime } from "../types/time.js";
import { blockProtocol, type ProposedBlock } from "./blockExecutor.js";
import { builtDataHash } from "./builtBlocks.js";
import { hexAddress, setHash, type ChainState } from "./chainState.js";

// Full validation of a block against the chain state, as CometBFT's state/validation.go
// ValidateBlock: the header against the state (chain, height, last block, every hash the state
// fixes, time, proposer), the body against the header (txs, evidence, last commit, part set),
// the last commit's signatures, and the evidence. It is the one check every block passes before
// it is executed, however it arrived: a proposal, block sync, the WAL, handshake replay.

export const stateErrors = {
  invalidBlock: registerError("state", 2, "invalid block"),
  invalidCommit: registerError("state", 3, "invalid commit"),
};

/**
 * What validation needs of a signature cache (consensus's createSignatureCache): a verify that
 * may remember what it has already checked. Declared here so that the state does not import
 * consensus, which runs it.
 */
export interface SignatureCache {
  verify(pubKey: Uint8Array, signBytes: Uint8Array, signature: Uint8Array): boolean;
}

export interface ValidationDeps {
  cache: SignatureCache;
  /**
   * Checks the block's evidence (the evidence pool: signatures, age, not yet committed, size);
   * null only where the evidence was already checked before the block was stored (handshake
   * replay of the node's own blocks).
   */
  evidence: { checkBlock(list: readonly Evidence[]): Promise<void> } | null;
}

const eq = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a !== undefined && b !== undefined && bytesEqual(a, b);
const hex = (b: Uint8Array | undefined) => (b === undefined ? "none" : Buffer.from(b).toString("hex").toUpperCase());

export function sameBlockId(a: BlockID | undefined, b: BlockID | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    eq(a.hash, b.hash) &&
    a.partSetHeader?.total === b.partSetHeader?.total &&
    eq(a.partSetHeader?.hash, b.partSetHeader?.hash)
  );
}

/**
 * CometBFT's VerifyCommit: a commit for `blockId` at height `h`, one signature slot per validator
 * of `set` in set order; every non-absent slot names its validator and carries a valid signature
 * (a commit slot over the block, a nil slot over nil); the commit slots hold more than 2/3 of
 * the power. Throws stateErrors.invalidCommit.
 */
export function verifyCommit(
  chainId: string,
  set: ValidatorSet,
  h: bigint,
  blockId: BlockID,
  c: Commit,
  cache: SignatureCache,
): void {
  const bad = (why: string) => stateErrors.invalidCommit.wrap(`commit for height ${h}: ${why}`);
  if (c.height !== h) throw bad(`it is for height ${c.height}`);
  if (!sameBlockId(c.blockId, blockId)) throw bad(`it is for block ${hex(c.blockId?.hash)}, not ${hex(blockId.hash)}`);
  if (c.round < 0) throw bad("negative round");
  if (c.signatures.length !== set.size) throw bad(`${c.signatures.length} signatures for ${set.size} validators`);
  let power = 0n;
  const vals = set.validators;
  for (let i = 0; i < vals.length; i++) {
    const s = c.signatures[i]!;
    if (s.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_ABSENT) {
      if (s.validatorAddress.length !== 0 || s.signature.length !== 0) throw bad(`absent slot ${i} carries a signer`);
      continue;
    }
    if (s.blockIdFlag !== BlockIDFlag.BLOCK_ID_FLAG_COMMIT && s.blockIdFlag !== BlockIDFlag.BLOCK_ID_FLAG_NIL)
      throw bad(`slot ${i} has flag ${s.blockIdFlag}`);
    const val = vals[i]!;
    if (hexAddress(s.validatorAddress) !== val.address)
      throw bad(`slot ${i} is signed by ${hexAddress(s.validatorAddress)}, not the set's validator ${val.address}`);
    if (s.timestamp === undefined) throw bad(`slot ${i} has no timestamp`);
    const forBlock = s.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_COMMIT;
    const signed = forBlock
      ? c.blockId!
      : { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } };
    if (
      !cache.verify(
        val.pubKey,
        voteSignBytes(chainId, SignedMsgType.precommit, h, c.round, signed, s.timestamp),
        s.signature,
      )
    )
      throw bad(`slot ${i} (${val.address}): invalid signature`);
    if (forBlock) power += val.power;
  }
  if (!set.hasTwoThirds(power)) throw bad(`signed by ${power} of ${set.totalPower} power, not more than 2/3`);
}

/**
 * BFT time (CometBFT 0.38's MedianTime): the power-weighted median of the timestamps of a
 * commit's non-absent signatures, each weighted by its validator's power in `set`. More than
 * 2/3 of the power signs a commit, so validators with less than 1/3 cannot move it outside
 * the range of the honest validators' clocks.
 */
export function medianTime(commit: Commit, set: ValidatorSet): Timestamp {
  const weighted: Array<{ time: Timestamp; power: bigint }> = [];
  let total = 0n;
  commit.signatures.forEach((s, i) => {
    const v = set.validators[i];
    if (s.blockIdFlag === BlockIDFlag.BLOCK_ID_FLAG_ABSENT || v === undefined || s.timestamp === undefined) return;
    total += v.power;
    weighted.push({ time: s.timestamp, power: v.power });
  });
  weighted.sort((a, b) => compareTime(a.time, b.time));
  let median = total / 2n;
  for (const w of weighted) {
    if (median <= w.power) return w.time;
    median -= w.power;
  }
  return { seconds: 0n, nanos: 0 };
}

/**
 * The time of the next block on `state` given its last commit: the genesis time for the first
 * block (the state's last block time before any block), else the commit's median time.
 */
export function blockTime(state: ChainState, lastCommit: Commit): Timestamp {
  if (state.lastBlockHeight < state.initialHeight || state.lastValidators === null) return state.lastBlockTime;
  return medianTime(lastCommit, state.lastValidators);
}

/**
 * ValidateBlock: throws stateErrors.invalidBlock (or invalidCommit for the last commit, or the
 * evidence pool's error) unless `pb` is a valid next block on `state`.
 */
export async function validateBlock(state: ChainState, pb: ProposedBlock, deps: ValidationDeps): Promise<void> {
  const hd = pb.block.header;
  const height = state.lastBlockHeight + 1n;
  const bad = (why: string) => stateErrors.invalidBlock.wrap(`block at height ${hd?.height ?? "?"}: ${why}`);
  if (hd === undefined) throw bad("no header");
  // The header against the state.
  if (hd.version?.block !== blockProtocol) throw bad(`block protocol ${hd.version?.block}, expected ${blockProtocol}`);
  if (hd.chainId !== state.chainId)
    throw bad(`chain ${JSON.stringify(hd.chainId)}, expected ${JSON.stringify(state.chainId)}`);
  if (hd.height !== height) throw bad(`expected height ${height}`);
  if (!sameBlockId(hd.lastBlockId, state.lastBlockId))
    throw bad(`last block ${hex(hd.lastBlockId?.hash)}, expected ${hex(state.lastBlockId.hash)}`);
  if (!eq(hd.appHash, state.appHash)) throw bad(`app_hash ${hex(hd.appHash)}, expected ${hex(state.appHash)}`);
  if (!eq(hd.lastResultsHash, state.lastResultsHash)) throw bad("wrong last_results_hash");
  if (!eq(hd.validatorsHash, setHash(state.validators))) throw bad("wrong validators_hash");
  if (!eq(hd.nextValidatorsHash, setHash(state.nextValidators))) throw bad("wrong next_validators_hash");
  if (!eq(hd.consensusHash, state.consensusHash)) throw bad("wrong consensus_hash");
  // As CometBFT: a validator of the set (a value re-proposed in a later round keeps the header
  // of its first proposer; the proposal's signer is checked against the round's proposer).
  if (hd.proposerAddress.length !== 20 || state.validators.get(hexAddress(hd.proposerAddress)) === undefined)
    throw bad(`proposer ${hex(hd.proposerAddress)} is not a validator`);
  // The block's identity: the header hash and the part set of its bytes.
  if (!eq(pb.blockId.hash, headerHash(hd))) throw bad("block id is not the header's hash");
  if (BigInt(pb.bytes.length) > state.maxBlockBytes)
    throw bad(`${pb.bytes.length} bytes exceeds max_bytes ${state.maxBlockBytes}`);
  // The store keeps the decoded block and serves and replays its re-encoding: bytes that are not
  // that encoding would leave a committed block whose part set no node can serve or replay.
  if (!eq(Block.encode(pb.block).finish(), pb.bytes)) throw bad("block bytes are not the block's canonical encoding");
  const parts = makePartSet(pb.bytes);
  if (pb.blockId.partSetHeader?.total !== parts.total || !eq(pb.blockId.partSetHeader.hash, parts.hash))
    throw bad("part set does not match the block's bytes");
  // The body against the header.
  const txs = pb.block.data?.txs ?? [];
  // This node's own block: the data_hash it computed when it built these very bytes (exact, see
  // builtBlocks.ts); any other block's txs are hashed.
  const txsHash = builtDataHash(pb.bytes, parts.hash) ?? dataHash(txs);
  if (!eq(hd.dataHash, txsHash)) throw bad("data_hash does not match the txs");
  const evidence = pb.block.evidence?.evidence ?? [];
  if (!eq(hd.evidenceHash, evidenceListHash(evidence))) throw bad("evidence_hash does not match the evidence");
  const lc = pb.block.lastCommit;
  if (lc === undefined) throw bad("no last commit");
  if (!eq(hd.lastCommitHash, commitHash(lc))) throw bad("last_commit_hash does not match the last commit");
  // The last commit and the time.
  // BFT time: the proposer does not choose it; it is the genesis time, then the median of the
  // last commit's vote times (which the voters keep after the last block's, see voteTime).
  if (hd.time === undefined) throw bad("no time");
  if (height === state.initialHeight) {
    if (lc.signatures.length > 0) throw bad("the first block cannot carry last commit signatures");
    if (compareTime(hd.time, state.lastBlockTime) !== 0)
      throw bad(`time ${formatTime(hd.time)} is not the genesis time ${formatTime(state.lastBlockTime)}`);
  } else {
    if (state.lastValidators === null) throw bad("no validator set for the last height");
    verifyCommit(state.chainId, state.lastValidators, height - 1n, state.lastBlockId, lc, deps.cache);
    if (compareTime(hd.time, state.lastBlockTime) <= 0)
      throw bad(`time ${formatTime(hd.time)} is not after the last block's ${formatTime(state.lastBlockTime)}`);
    const median = medianTime(lc, state.lastValidators);
    if (compareTime(hd.time, median) !== 0)
      throw bad(`time ${formatTime(hd.time)} is not the median time ${formatTime(median)} of the last commit`);
  }
  if (deps.evidence !== null) await deps.evidence.checkBlock(evidence);
}

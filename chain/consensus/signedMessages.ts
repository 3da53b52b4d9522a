import { DuplicateVoteEvidence } from "cosmjs-types/tendermint/types/evidence";
import {
  Proposal as PbProposal,
  SignedMsgType as PbType,
  Vote as PbVote,
  type BlockID,
} from "cosmjs-types/tendermint/types/types";
import { registerError } from "../../modules/sdk/errors.js";
import type { Timestamp } from "../../modules/sdk/context.js";
import { ed25519Address, ed25519Verify } from "../crypto/ed25519.js";
import { proposalSignBytes, SignedMsgType, voteExtensionSignBytes, voteSignBytes } from "../types/signBytes.js";
import { bytesEqual } from "../types/bytes.js";
import { compareTime } from "../types/time.js";
import type { PrivValidator } from "./privValidator.js";
import { VoteType, type Vote } from "./types.js";

// Consensus messages as they travel between nodes: CometBFT's own protobuf Vote, Proposal and
// DuplicateVoteEvidence (from cosmjs-types), signed over the canonical sign bytes. Every
// message from a peer is checked field by field before its signature; signatures are verified
// once and remembered (the same vote arrives from many peers).

export const consensusErrors = {
  malformed: registerError("consensus", 2, "malformed consensus message"),
  badSignature: registerError("consensus", 3, "invalid signature"),
  unknownValidator: registerError("consensus", 4, "not a validator"),
  badEvidence: registerError("consensus", 5, "invalid evidence"),
  badOwnRecord: registerError("consensus", 6, "WAL record of an own signed message refused"),
};

export const emptyBlockId = (): BlockID => ({
  hash: new Uint8Array(),
  partSetHeader: { total: 0, hash: new Uint8Array() },
});

function isNil(b: BlockID): boolean {
  return b.hash.length === 0;
}

export function blockIdKey(b: BlockID): string | null {
  return isNil(b) ? null : Buffer.from(b.hash).toString("hex").toUpperCase();
}

/** Signs a vote through the file signer (which refuses to sign anything conflicting). */
export function signVote(
  pv: PrivValidator,
  chainId: string,
  type: VoteType,
  height: bigint,
  round: number,
  blockId: BlockID,
  time: Timestamp,
  validatorIndex: number,
): PbVote {
  const pbType = type === VoteType.prevote ? SignedMsgType.prevote : SignedMsgType.precommit;
  const signature = pv.signVote(chainId, pbType, height, round, blockId, time);
  return {
    type: pbType,
    height,
    round,
    blockId,
    timestamp: time,
    validatorAddress: ed25519Address(pv.key.pubKey),
    validatorIndex,
    signature,
    extension: new Uint8Array(),
    extensionSignature: new Uint8Array(),
  };
}

export function signProposal(
  pv: PrivValidator,
  chainId: string,
  height: bigint,
  round: number,
  polRound: number,
  blockId: BlockID,
  time: Timestamp,
): PbProposal {
  const signature = pv.signProposal(chainId, height, round, polRound, blockId, time);
  return { type: PbType.SIGNED_MSG_TYPE_PROPOSAL, height, round, polRound, blockId, timestamp: time, signature };
}

/**
 * The signature of one of our messages as the WAL logged it after signing, checked before it
 * is sent again after a restart: the logged message must be the very message asked for now
 * (`expected`, encoded unsigned, and `logged`, the record's message with its signatures
 * cleared, byte for byte), and its signature 64 bytes and valid for our key over those sign
 * bytes. Anything else (a damaged or edited record, one of another key) is refused with a
 * coded error, never sent as ours. Runs at replay only, once per own message.
 */
export function checkLoggedSignature(
  what: string,
  pubKey: Uint8Array,
  signBytes: Uint8Array,
  expected: Uint8Array,
  logged: Uint8Array,
  signature: Uint8Array,
): Uint8Array {
  if (!bytesEqual(expected, logged))
    throw consensusErrors.badOwnRecord.wrap(`${what}: the logged signed message is not the message asked for again`);
  if (signature.length !== 64)
    throw consensusErrors.badOwnRecord.wrap(`${what}: a logged signature of ${signature.length} bytes, not 64`);
  if (!ed25519Verify(pubKey, signBytes, signature))
    throw consensusErrors.badOwnRecord.wrap(`${what}: the logged signature is not this validator's over its bytes`);
  return signature;
}

function checkBlockId(b: BlockID | undefined, what: string): BlockID {
  if (b === undefined) throw consensusErrors.malformed.wrap(`${what}: missing block id`);
  const ph = b.partSetHeader;
  if (b.hash.length !== 0 && b.hash.length !== 32)
    throw consensusErrors.malformed.wrap(`${what}: block hash of ${b.hash.length} bytes`);
  if (ph === undefined || (ph.hash.length !== 0 && ph.hash.length !== 32) || ph.total < 0 || ph.total > 1_000_000)
    throw consensusErrors.malformed.wrap(`${what}: bad part set header`);
  if ((b.hash.length === 0) !== (ph.hash.length === 0))
    throw consensusErrors.malformed.wrap(`${what}: half-nil block id`);
  return b;
}

/** Decodes and checks a peer's vote (not its signature). */
export function decodeVote(bytes: Uint8Array): PbVote {
  let v: PbVote;
  try {
    v = PbVote.decode(bytes);
  } catch (e) {
    throw consensusErrors.malformed.wrap(`vote: ${(e as Error).message}`);
  }
  if (v.type !== SignedMsgType.prevote && v.type !== SignedMsgType.precommit)
    throw consensusErrors.malformed.wrap(`vote: type ${v.type}`);
  if (v.height <= 0n || v.round < 0 || v.validatorIndex < 0)
    throw consensusErrors.malformed.wrap("vote: negative height, round or index");
  if (v.validatorAddress.length !== 20)
    throw consensusErrors.malformed.wrap("vote: validator address must be 20 bytes");
  if (v.signature.length !== 64) throw consensusErrors.malformed.wrap("vote: signature must be 64 bytes");
  if (v.timestamp === undefined) throw consensusErrors.malformed.wrap("vote: missing timestamp");
  checkBlockId(v.blockId, "vote");
  return v;
}

export function decodeProposal(bytes: Uint8Array): PbProposal {
  let p: PbProposal;
  try {
    p = PbProposal.decode(bytes);
  } catch (e) {
    throw consensusErrors.malformed.wrap(`proposal: ${(e as Error).message}`);
  }
  if (p.type !== PbType.SIGNED_MSG_TYPE_PROPOSAL) throw consensusErrors.malformed.wrap(`proposal: type ${p.type}`);
  if (p.height <= 0n || p.round < 0 || p.polRound < -1 || p.polRound >= p.round)
    throw consensusErrors.malformed.wrap("proposal: bad height, round or pol round");
  if (p.signature.length !== 64 || p.timestamp === undefined)
    throw consensusErrors.malformed.wrap("proposal: bad signature or timestamp");
  if (isNil(checkBlockId(p.blockId, "proposal"))) throw consensusErrors.malformed.wrap("proposal: nil block id");
  return p;
}

/** Remembers verified signatures; bounded, and cleared when full. */
export function createSignatureCache(maxEntries = 100_000) {
  let seen = new Set<string>();
  return {
    verify(pubKey: Uint8Array, signBytes: Uint8Array, signature: Uint8Array): boolean {
      const key = Buffer.concat([pubKey, signature, signBytes]).toString("latin1");
      if (seen.has(key)) return true;
      if (!ed25519Verify(pubKey, signBytes, signature)) return false;
      if (seen.size >= maxEntries) seen = new Set();
      seen.add(key);
      return true;
    },
  };
}
export type SignatureCache = ReturnType<typeof createSignatureCache>;

export function verifyVote(chainId: string, v: PbVote, pubKey: Uint8Array, cache: SignatureCache): void {
  if (!bytesEqual(ed25519Address(pubKey), v.validatorAddress))
    throw consensusErrors.unknownValidator.wrap("vote: address does not match the key");
  const sb = voteSignBytes(chainId, v.type, v.height, v.round, v.blockId, v.timestamp);
  if (!cache.verify(pubKey, sb, v.signature))
    throw consensusErrors.badSignature.wrap(
      `vote of ${Buffer.from(v.validatorAddress).toString("hex")} at ${v.height}/${v.round}`,
    );
}

/**
 * The extension rules of a vote (CometBFT's Vote.ValidateWithExtension): only a precommit for a
 * block at a height with extensions enabled carries one, signed by the validator; anything else
 * must carry none. Size is bounded.
 */
export function verifyVoteExtensionSignature(
  chainId: string,
  v: PbVote,
  pubKey: Uint8Array,
  enabled: boolean,
  cache: SignatureCache,
): void {
  const carries = enabled && v.type === SignedMsgType.precommit && !isNil(v.blockId);
  if (!carries) {
    if (v.extension.length > 0 || v.extensionSignature.length > 0)
      throw consensusErrors.malformed.wrap("vote: unexpected vote extension");
    return;
  }
  if (v.extension.length > maxVoteExtensionBytes)
    throw consensusErrors.malformed.wrap(`vote: extension over ${maxVoteExtensionBytes} bytes`);
  if (v.extensionSignature.length !== 64)
    throw consensusErrors.malformed.wrap("vote: extension signature must be 64 bytes");
  if (!cache.verify(pubKey, voteExtensionSignBytes(chainId, v.height, v.round, v.extension), v.extensionSignature)) {
    throw consensusErrors.badSignature.wrap(
      `vote extension of ${Buffer.from(v.validatorAddress).toString("hex")} at ${v.height}/${v.round}`,
    );
  }
}

/** Vote extensions are bounded so that a commit's extensions stay small (1 MiB per vote at most). */
export const maxVoteExtensionBytes = 1 << 20;

export function verifyProposal(
  chainId: string,
  p: PbProposal,
  proposerPubKey: Uint8Array,
  cache: SignatureCache,
): void {
  const sb = proposalSignBytes(chainId, p.height, p.round, p.polRound, p.blockId, p.timestamp);
  if (!cache.verify(proposerPubKey, sb, p.signature))
    throw consensusErrors.badSignature.wrap(`proposal at ${p.height}/${p.round}`);
}

/** The core's view of a verified vote. */
export function toCoreVote(v: PbVote, validatorHex: string): Vote {
  return {
    type: v.type === SignedMsgType.prevote ? VoteType.prevote : VoteType.precommit,
    height: v.height,
    round: v.round,
    valueId: blockIdKey(v.blockId),
    validator: validatorHex,
    extra: v,
  };
}

/** DuplicateVoteEvidence with the two votes ordered by block id, as CometBFT orders them. */
export function makeDuplicateVoteEvidence(
  a: PbVote,
  b: PbVote,
  validatorPower: bigint,
  totalVotingPower: bigint,
  time: Timestamp,
): DuplicateVoteEvidence {
  const ka = blockIdKey(a.blockId) ?? "";
  const kb = blockIdKey(b.blockId) ?? "";
  const [voteA, voteB] = ka < kb ? [a, b] : [b, a];
  return { voteA, voteB, validatorPower, totalVotingPower, timestamp: time };
}

/** Checks evidence as CometBFT does: one validator, same height/round/type, two blocks, both signed. */
export function verifyDuplicateVoteEvidence(
  chainId: string,
  ev: DuplicateVoteEvidence,
  pubKey: Uint8Array,
  cache: SignatureCache,
): void {
  const { voteA: a, voteB: b } = ev;
  if (a === undefined || b === undefined) throw consensusErrors.badEvidence.wrap("missing vote");
  if (a.height !== b.height || a.round !== b.round || a.type !== b.type)
    throw consensusErrors.badEvidence.wrap("votes differ in height, round or type");
  if (!bytesEqual(a.validatorAddress, b.validatorAddress))
    throw consensusErrors.badEvidence.wrap("votes of two validators");
  const ka = blockIdKey(a.blockId) ?? "";
  const kb = blockIdKey(b.blockId) ?? "";
  if (ka === kb) throw consensusErrors.badEvidence.wrap("votes for the same block");
  if (ka > kb) throw consensusErrors.badEvidence.wrap("votes out of order");
  verifyVote(chainId, a, pubKey, cache);
  verifyVote(chainId, b, pubKey, cache);
}

/** Evidence older than both limits (blocks and time) has expired and is refused. */
export function evidenceExpired(
  evHeight: bigint,
  evTime: Timestamp,
  height: bigint,
  time: Timestamp,
  maxAgeBlocks: bigint,
  maxAgeSeconds: bigint,
): boolean {
  const tooOldBlocks = height - evHeight > maxAgeBlocks;
  const limit = { seconds: evTime.seconds + maxAgeSeconds, nanos: evTime.nanos };
  return tooOldBlocks && compareTime(time, limit) > 0;
}

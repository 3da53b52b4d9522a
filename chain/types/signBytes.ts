// int64 fields written as Go writes them (cosmjs-types miswrites [2^31, 2^32)): the runtime fixes.
import "../../modules/sdk/protoRuntime.js";
import { BinaryWriter } from "cosmjs-types/binary";
import { Timestamp as PbTimestamp } from "cosmjs-types/google/protobuf/timestamp";
import type { Timestamp } from "../../modules/sdk/context.js";

// Canonical sign bytes of votes and proposals (CometBFT types/canonical.go): a length-delimited
// CanonicalVote / CanonicalProposal with fixed-width height and round, so that a signature
// never depends on an encoder's choices.

export const SignedMsgType = { prevote: 1, precommit: 2, proposal: 32 } as const;

export interface BlockIdLike {
  hash: Uint8Array;
  partSetHeader: { total: number; hash: Uint8Array };
}

function isZeroBlockId(b: BlockIdLike): boolean {
  return b.hash.length === 0 && b.partSetHeader.total === 0 && b.partSetHeader.hash.length === 0;
}

function writeCanonicalBlockId(w: BinaryWriter, field: number, b: BlockIdLike): void {
  if (isZeroBlockId(b)) return; // nil vote: no block id
  w.uint32((field << 3) | 2).fork();
  if (b.hash.length > 0) w.uint32(10).bytes(b.hash);
  w.uint32(18).fork();
  if (b.partSetHeader.total !== 0) w.uint32(8).uint32(b.partSetHeader.total);
  if (b.partSetHeader.hash.length > 0) w.uint32(18).bytes(b.partSetHeader.hash);
  w.ldelim();
  w.ldelim();
}

function writeTimestamp(w: BinaryWriter, field: number, t: Timestamp): void {
  w.uint32((field << 3) | 2).fork();
  PbTimestamp.encode({ seconds: t.seconds, nanos: t.nanos }, w);
  w.ldelim();
}

function delimited(body: Uint8Array): Uint8Array {
  return BinaryWriter.create().bytes(body).finish();
}

export function voteSignBytes(
  chainId: string,
  type: number,
  height: bigint,
  round: number,
  blockId: BlockIdLike,
  time: Timestamp,
): Uint8Array {
  const w = BinaryWriter.create();
  if (type !== 0) w.uint32(8).int32(type);
  if (height !== 0n) w.uint32(17).sfixed64(height);
  if (round !== 0) w.uint32(25).sfixed64(BigInt(round));
  writeCanonicalBlockId(w, 4, blockId);
  writeTimestamp(w, 5, time);
  if (chainId !== "") w.uint32(50).string(chainId);
  return delimited(w.finish());
}

export function proposalSignBytes(
  chainId: string,
  height: bigint,
  round: number,
  polRound: number,
  blockId: BlockIdLike,
  time: Timestamp,
): Uint8Array {
  const w = BinaryWriter.create();
  w.uint32(8).int32(SignedMsgType.proposal);
  if (height !== 0n) w.uint32(17).sfixed64(height);
  if (round !== 0) w.uint32(25).sfixed64(BigInt(round));
  if (polRound !== 0) w.uint32(32).int64(BigInt(polRound));
  writeCanonicalBlockId(w, 5, blockId);
  writeTimestamp(w, 6, time);
  if (chainId !== "") w.uint32(58).string(chainId);
  return delimited(w.finish());
}

export function voteExtensionSignBytes(
  chainId: string,
  height: bigint,
  round: number,
  extension: Uint8Array,
): Uint8Array {
  const w = BinaryWriter.create();
  if (extension.length > 0) w.uint32(10).bytes(extension);
  if (height !== 0n) w.uint32(17).sfixed64(height);
  if (round !== 0) w.uint32(25).sfixed64(BigInt(round));
  if (chainId !== "") w.uint32(34).string(chainId);
  return delimited(w.finish());
}

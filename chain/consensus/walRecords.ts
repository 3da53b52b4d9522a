import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { consensusErrors } from "./signedMessages.js";

// What the consensus driver writes to its WAL: every input of the core, and each own vote or
// proposal *before* it is signed (with its timestamp, fsynced), so that a restart asks for the
// very same bytes again, and once more *after* it is signed (with the signature, not fsynced:
// the fsync of our next message, which must come before the signer moves past this one, makes
// it durable), so that a restart re-sends it although the signer's step has passed it.

export const RecordKind = {
  startHeight: 1,
  proposal: 2, // a peer's proposal message (proposal + block), as received
  vote: 3, // a peer's vote, as received
  timeout: 4,
  value: 5, // the block this node built when asked for a value
  commit: 6, // a decided block learned from a peer (block + commit)
  ownProposal: 7, // own proposal, unsigned, with its block
  ownVote: 8, // own vote, unsigned, with its timestamp
  ownSignedProposal: 9, // own proposal as signed and sent (its block is in the ownProposal record)
  ownSignedVote: 10, // own vote as signed and sent (with its extension and their signatures)
} as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

export interface WalRecord {
  kind: RecordKind;
  height: bigint;
  round: number;
  /** timeout step (1 propose, 2 prevote, 3 precommit) or vote type, when relevant. */
  aux: number;
  a: Uint8Array;
  b: Uint8Array;
}

export function encodeRecord(r: WalRecord): Uint8Array {
  const w = BinaryWriter.create();
  w.uint32(8).uint32(r.kind);
  w.uint32(16).uint64(r.height);
  w.uint32(24).int32(r.round);
  w.uint32(32).int32(r.aux);
  w.uint32(42).bytes(r.a);
  w.uint32(50).bytes(r.b);
  return w.finish();
}

export function decodeRecord(bytes: Uint8Array): WalRecord {
  try {
    const rd = new BinaryReader(bytes);
    const r: WalRecord = {
      kind: RecordKind.startHeight,
      height: 0n,
      round: 0,
      aux: 0,
      a: new Uint8Array(),
      b: new Uint8Array(),
    };
    while (rd.pos < rd.len) {
      const tag = rd.uint32();
      switch (tag >>> 3) {
        case 1:
          r.kind = rd.uint32() as RecordKind;
          break;
        case 2:
          r.height = rd.uint64();
          break;
        case 3:
          r.round = rd.int32();
          break;
        case 4:
          r.aux = rd.int32();
          break;
        case 5:
          r.a = rd.bytes();
          break;
        case 6:
          r.b = rd.bytes();
          break;
        default:
          rd.skipType(tag & 7);
      }
    }
    return r;
  } catch (e) {
    throw consensusErrors.malformed.wrap(`WAL record: ${(e as Error).message}`);
  }
}

/** A proposal message on the wire: the signed proposal and the block it proposes. */
export function encodeProposalMessage(proposal: Uint8Array, block: Uint8Array): Uint8Array {
  return BinaryWriter.create().uint32(10).bytes(proposal).uint32(18).bytes(block).finish();
}

/** A block-sync answer: a block and the commit that decided it. */
export const encodeBlockMessage = encodeProposalMessage;

export function decodePair(bytes: Uint8Array): { a: Uint8Array; b: Uint8Array } {
  try {
    const rd = new BinaryReader(bytes);
    let a: Uint8Array = new Uint8Array();
    let b: Uint8Array = new Uint8Array();
    while (rd.pos < rd.len) {
      const tag = rd.uint32();
      if (tag >>> 3 === 1) a = rd.bytes();
      else if (tag >>> 3 === 2) b = rd.bytes();
      else rd.skipType(tag & 7);
    }
    return { a, b };
  } catch (e) {
    throw consensusErrors.malformed.wrap(`message: ${(e as Error).message}`);
  }
}

/** A status message: the height a node is at (so that peers ahead send it blocks). */
export function encodeStatus(height: bigint): Uint8Array {
  return BinaryWriter.create().uint32(8).uint64(height).finish();
}

export function decodeStatus(bytes: Uint8Array): bigint {
  try {
    const rd = new BinaryReader(bytes);
    let h = 0n;
    while (rd.pos < rd.len) {
      const tag = rd.uint32();
      if (tag >>> 3 === 1) h = rd.uint64();
      else rd.skipType(tag & 7);
    }
    return h;
  } catch (e) {
    throw consensusErrors.malformed.wrap(`status: ${(e as Error).message}`);
  }
}

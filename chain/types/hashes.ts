// int64 fields written as Go writes them (cosmjs-types miswrites [2^31, 2^32)): the runtime fixes.
import "../../modules/sdk/protoRuntime.js";
import { BinaryWriter } from "cosmjs-types/binary";
import { Timestamp as PbTimestamp } from "cosmjs-types/google/protobuf/timestamp";
import { ExecTxResult } from "cosmjs-types/tendermint/abci/types";
import { HashedParams } from "cosmjs-types/tendermint/types/params";
import { BlockID, Commit, CommitSig, Header } from "cosmjs-types/tendermint/types/types";
import { SimpleValidator } from "cosmjs-types/tendermint/types/validator";
import { Consensus } from "cosmjs-types/tendermint/version/types";
import { DuplicateVoteEvidence, type Evidence } from "cosmjs-types/tendermint/types/evidence";
import { emptyHash, merkleRoot, sha256 } from "./merkle.js";

// The hashes a CometBFT 0.38 header commits to, computed as CometBFT computes them, so that
// block and commit hashes mean the same thing here as on any Cosmos chain.

/** gogoproto wrapper encodings (StringValue, Int64Value, BytesValue) that cdcEncode uses. */
function cdcString(s: string): Uint8Array {
  return s === "" ? new Uint8Array() : BinaryWriter.create().uint32(10).string(s).finish();
}
function cdcInt64(n: bigint): Uint8Array {
  return n === 0n ? new Uint8Array() : BinaryWriter.create().uint32(8).int64(n).finish();
}
function cdcBytes(b: Uint8Array): Uint8Array {
  return b.length === 0 ? new Uint8Array() : BinaryWriter.create().uint32(10).bytes(b).finish();
}

export function headerHash(h: Header): Uint8Array {
  return merkleRoot([
    Consensus.encode(h.version).finish(),
    cdcString(h.chainId),
    cdcInt64(h.height),
    PbTimestamp.encode(h.time).finish(),
    BlockID.encode(h.lastBlockId).finish(),
    cdcBytes(h.lastCommitHash),
    cdcBytes(h.dataHash),
    cdcBytes(h.validatorsHash),
    cdcBytes(h.nextValidatorsHash),
    cdcBytes(h.consensusHash),
    cdcBytes(h.appHash),
    cdcBytes(h.lastResultsHash),
    cdcBytes(h.evidenceHash),
    cdcBytes(h.proposerAddress),
  ]);
}

/** Data.Hash: the Merkle root of the txs' sha256 hashes. */
export function dataHash(txs: readonly Uint8Array[]): Uint8Array {
  return merkleRoot(txs.map((tx) => sha256(tx)));
}

export function commitHash(c: Commit): Uint8Array {
  return merkleRoot(c.signatures.map((s) => CommitSig.encode(s).finish()));
}

/** LastResultsHash: only the deterministic fields of each tx result (code, data, gas). */
export function resultsHash(results: readonly ExecTxResult[]): Uint8Array {
  return merkleRoot(deterministicResults(results));
}

/**
 * protobuf ExecTxResult{code, data, gas_wanted, gas_used} (as CometBFT's deterministicExecTxResult)
 * through cosmjs-types, whose int64 writer is malformed for [2^31, 2^32): see deterministicResults.
 */
export function deterministicResultBytes(r: ExecTxResult): Uint8Array {
  // A full literal rather than fromPartial, which copies every field of a per-tx object.
  return ExecTxResult.encode({
    code: r.code,
    data: r.data,
    log: "",
    info: "",
    gasWanted: r.gasWanted,
    gasUsed: r.gasUsed,
    events: [],
    codespace: "",
  }).finish();
}

/** Most bytes a varint takes: a negative int64 is ten (two's complement in 64 bits). */
const varintMax = 10;

function writeVarint(buf: Uint8Array, o: number, v: number): number {
  while (v >= 0x80) {
    buf[o++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[o++] = v;
  return o;
}

const int64Min = -(2n ** 63n);
const uint64Max = 2n ** 64n - 1n;

/** An int64 field's varint: small values as numbers, the rest (negative: 64-bit two's complement) in bigint. */
function writeInt64(buf: Uint8Array, o: number, v: bigint): number {
  if (v >= 0n && v <= 9007199254740991n) return writeVarint(buf, o, Number(v));
  let u = BigInt.asUintN(64, v);
  while (u >= 0x80n) {
    buf[o++] = Number(u & 0x7fn) | 0x80;
    u >>= 7n;
  }
  buf[o++] = Number(u);
  return o;
}

/**
 * Each result's ExecTxResult{code, data, gas_wanted, gas_used} protobuf bytes, written into one
 * buffer (subarrays of it) without a protobuf writer per tx. The bytes are Go's proto.Marshal
 * (CometBFT's), also where cosmjs-types' BinaryWriter.int64 is wrong: it writes a value in
 * [2^31, 2^32) as a malformed varint (its low word read as signed), so deterministicResultBytes
 * is no reference there and no result falls back to it for its gas. A result whose code is not
 * a uint32 or whose gas is not an int64 (not representable in the message) is encoded by it.
 */
export function deterministicResults(results: readonly ExecTxResult[]): Uint8Array[] {
  let size = 0;
  for (const r of results) size += 2 + 5 + varintMax + r.data.length + 2 * (1 + varintMax);
  const buf = Buffer.allocUnsafe(size);
  const out = new Array<Uint8Array>(results.length);
  let o = 0;
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!;
    if (
      r.gasWanted < int64Min ||
      r.gasWanted > uint64Max ||
      r.gasUsed < int64Min ||
      r.gasUsed > uint64Max ||
      !Number.isInteger(r.code) ||
      r.code < 0 ||
      r.code > 0xffffffff
    ) {
      out[i] = deterministicResultBytes(r);
      continue;
    }
    const start = o;
    if (r.code !== 0) {
      buf[o++] = 0x08; // field 1, varint
      o = writeVarint(buf, o, r.code);
    }
    if (r.data.length !== 0) {
      buf[o++] = 0x12; // field 2, length-delimited
      o = writeVarint(buf, o, r.data.length);
      buf.set(r.data, o);
      o += r.data.length;
    }
    if (r.gasWanted !== 0n) {
      buf[o++] = 0x28; // field 5, varint
      o = writeInt64(buf, o, r.gasWanted);
    }
    if (r.gasUsed !== 0n) {
      buf[o++] = 0x30; // field 6, varint
      o = writeInt64(buf, o, r.gasUsed);
    }
    out[i] = buf.subarray(start, o);
  }
  return out;
}

export interface ValidatorPower {
  pubKey: Uint8Array; // ed25519, 32 bytes
  power: bigint;
}

/** ValidatorSet.Hash: Merkle root of SimpleValidator{pub_key, voting_power}, in set order. */
export function validatorsHash(vals: readonly ValidatorPower[]): Uint8Array {
  return merkleRoot(
    vals.map((v) => SimpleValidator.encode({ pubKey: { ed25519: v.pubKey }, votingPower: v.power }).finish()),
  );
}

export function consensusParamsHash(maxBytes: bigint, maxGas: bigint): Uint8Array {
  return sha256(HashedParams.encode({ blockMaxBytes: maxBytes, blockMaxGas: maxGas }).finish());
}

/** A validator's address: the first 20 bytes of sha256 of its ed25519 public key. */
export function validatorAddress(pubKey: Uint8Array): Uint8Array {
  return sha256(pubKey).subarray(0, 20);
}

/** The hash of one piece of evidence (tmhash of its proto bytes). */
export function evidenceHash(dve: DuplicateVoteEvidence): string {
  return Buffer.from(sha256(DuplicateVoteEvidence.encode(dve).finish()))
    .toString("hex")
    .toUpperCase();
}

/** The header's evidence_hash: Merkle root over each evidence's bytes. */
export function evidenceListHash(list: readonly Evidence[]): Uint8Array {
  if (list.length === 0) return emptyHash;
  return merkleRoot(list.map((e) => DuplicateVoteEvidence.encode(e.duplicateVoteEvidence!).finish()));
}

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
  return merkleRoot(
    results.map((r) =>
      // Only the deterministic fields (as CometBFT's deterministicExecTxResult); a full literal
      // rather than fromPartial, which copies every field of a per-tx object.
      ExecTxResult.encode({
        code: r.code,
        data: r.data,
        log: "",
        info: "",
        gasWanted: r.gasWanted,
        gasUsed: r.gasUsed,
        events: [],
        codespace: "",
      }).finish(),
    ),
  );
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

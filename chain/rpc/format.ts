import type { Event, ExecTxResult, ResponseFinalizeBlock } from "cosmjs-types/tendermint/abci/types";
import type { Block } from "cosmjs-types/tendermint/types/block";
import type { Evidence } from "cosmjs-types/tendermint/types/evidence";
import type { BlockID, BlockMeta, Commit, CommitSig, Header, Vote } from "cosmjs-types/tendermint/types/types";
import type { Timestamp } from "../../modules/sdk/context.js";
import { formatTime } from "../types/time.js";

// CometBFT 0.38's JSON encodings of its types, as @cosmjs/tendermint-rpc decodes them:
// 64-bit integers as strings, hashes and addresses as uppercase hex, bytes as base64, times as
// RFC 3339 with nanoseconds.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex").toUpperCase();
export const b64 = (b: Uint8Array): string => Buffer.from(b).toString("base64");

const zeroTime = "0001-01-01T00:00:00Z";

function time(t: Timestamp | undefined): string {
  return t === undefined || (t.seconds === 0n && t.nanos === 0) ? zeroTime : formatTime(t);
}

export function blockIdJson(id: BlockID | undefined): Json {
  return {
    hash: hex(id?.hash ?? new Uint8Array()),
    parts: { total: id?.partSetHeader?.total ?? 0, hash: hex(id?.partSetHeader?.hash ?? new Uint8Array()) },
  };
}

export function headerJson(h: Header): Json {
  return {
    version: { block: h.version!.block.toString(), app: h.version!.app.toString() },
    chain_id: h.chainId,
    height: h.height.toString(),
    time: time(h.time),
    last_block_id: blockIdJson(h.lastBlockId),
    last_commit_hash: hex(h.lastCommitHash),
    data_hash: hex(h.dataHash),
    validators_hash: hex(h.validatorsHash),
    next_validators_hash: hex(h.nextValidatorsHash),
    consensus_hash: hex(h.consensusHash),
    app_hash: hex(h.appHash),
    last_results_hash: hex(h.lastResultsHash),
    evidence_hash: hex(h.evidenceHash),
    proposer_address: hex(h.proposerAddress),
  };
}

function commitSigJson(s: CommitSig): Json {
  return {
    block_id_flag: s.blockIdFlag,
    validator_address: hex(s.validatorAddress),
    timestamp: time(s.timestamp),
    signature: s.signature.length === 0 ? null : b64(s.signature),
  };
}

export function commitJson(c: Commit): Json {
  return {
    height: c.height.toString(),
    round: c.round,
    block_id: blockIdJson(c.blockId),
    signatures: c.signatures.map(commitSigJson),
  };
}

function voteJson(v: Vote): Json {
  return {
    type: v.type,
    height: v.height.toString(),
    round: v.round,
    block_id: blockIdJson(v.blockId),
    timestamp: time(v.timestamp),
    validator_address: hex(v.validatorAddress),
    validator_index: v.validatorIndex,
    signature: b64(v.signature),
  };
}

/** Amino JSON of evidence, as CometBFT's RPC shows it. */
function evidenceJson(e: Evidence): Json {
  const d = e.duplicateVoteEvidence;
  if (d === undefined) return null;
  return {
    type: "tendermint/DuplicateVoteEvidence",
    value: {
      vote_a: voteJson(d.voteA!),
      vote_b: voteJson(d.voteB!),
      TotalVotingPower: d.totalVotingPower.toString(),
      ValidatorPower: d.validatorPower.toString(),
      Timestamp: time(d.timestamp),
    },
  };
}

export function blockJson(b: Block): Json {
  return {
    header: headerJson(b.header!),
    data: { txs: (b.data?.txs ?? []).map(b64) },
    evidence: { evidence: (b.evidence?.evidence ?? []).map(evidenceJson) },
    last_commit: commitJson(b.lastCommit!),
  };
}

export function blockMetaJson(m: BlockMeta): Json {
  return {
    block_id: blockIdJson(m.blockId),
    block_size: m.blockSize.toString(),
    header: headerJson(m.header!),
    num_txs: m.numTxs.toString(),
  };
}

export function eventsJson(events: readonly Event[]): Json {
  return events.map((e) => ({
    type: e.type,
    attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index })),
  }));
}

export function txResultJson(r: ExecTxResult): Json {
  return {
    code: r.code,
    data: r.data.length === 0 ? null : b64(r.data),
    log: r.log,
    info: r.info,
    gas_wanted: r.gasWanted.toString(),
    gas_used: r.gasUsed.toString(),
    events: eventsJson(r.events),
    codespace: r.codespace,
  };
}

export function blockResultsJson(height: bigint, r: ResponseFinalizeBlock): Json {
  return {
    height: height.toString(),
    // CometBFT's ResultBlockResults: nil Go slices are null, []byte is base64.
    txs_results: r.txResults.length === 0 ? null : r.txResults.map(txResultJson),
    finalize_block_events: r.events.length === 0 ? null : eventsJson(r.events),
    // CometBFT writes an empty list of updates as null (a nil Go slice).
    validator_updates:
      r.validatorUpdates.length === 0
        ? null
        : r.validatorUpdates.map((v) => ({
            pub_key: { type: "tendermint/PubKeyEd25519", value: b64(v.pubKey?.ed25519 ?? new Uint8Array()) },
            power: v.power.toString(),
          })),
    consensus_param_updates: null,
    app_hash: b64(r.appHash),
  };
}

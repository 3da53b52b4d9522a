import type { BlockID } from "cosmjs-types/tendermint/types/types";
import { ValidatorSet as PbValidatorSet } from "cosmjs-types/tendermint/types/validator";
import type { Timestamp } from "../../modules/sdk/context.js";
import { validatorsHash } from "../types/hashes.js";
import { ed25519Address } from "../crypto/ed25519.js";
import { ValidatorSet } from "../types/validatorSet.js";

/** A validator as consensus sees it. */
export interface Validator {
  address: Uint8Array;
  pubKey: Uint8Array;
  power: bigint;
  name: string;
}

/**
 * What the node knows between blocks (CometBFT's sm.State): the last block, the validator sets
 * and the hashes the next header must carry. Derived from genesis and the block store on start.
 */
export interface ChainState {
  chainId: string;
  initialHeight: bigint;
  lastBlockHeight: bigint;
  lastBlockId: BlockID;
  lastBlockTime: Timestamp;
  /** The set that signed the last block (null before the first block). */
  lastValidators: ValidatorSet | null;
  /** The set of the next height, its proposer priorities advanced for that height. */
  validators: ValidatorSet;
  /** The set of the height after: updates returned at end-block H take effect at H+2. */
  nextValidators: ValidatorSet;
  maxBlockBytes: bigint;
  maxBlockGas: bigint;
  consensusHash: Uint8Array;
  lastResultsHash: Uint8Array;
  appHash: Uint8Array;
}

export function emptyBlockId(): BlockID {
  return { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } };
}

export function makeValidator(pubKey: Uint8Array, power: bigint, name: string): Validator {
  return { address: ed25519Address(pubKey), pubKey, power, name };
}

/** CometBFT orders a validator set by voting power (descending), then address. */
export function sortValidators(vals: Validator[]): Validator[] {
  return [...vals].sort((a, b) =>
    a.power !== b.power ? (a.power > b.power ? -1 : 1) : Buffer.compare(Buffer.from(a.address), Buffer.from(b.address)),
  );
}

export function setHash(set: ValidatorSet): Uint8Array {
  return validatorsHash(set.validators.map((v) => ({ pubKey: v.pubKey, power: v.power })));
}

export const hexAddress = (b: Uint8Array): string => Buffer.from(b).toString("hex").toUpperCase();

/** The consensus set of a genesis validator list. */
export function genesisSet(vals: readonly Validator[]): ValidatorSet {
  return ValidatorSet.create(vals.map((v) => ({ address: hexAddress(v.address), pubKey: v.pubKey, power: v.power })));
}

/** A set as CometBFT's protobuf ValidatorSet (kept per height in the block store). */
export function setToProto(set: ValidatorSet): PbValidatorSet {
  const validators = set.entries().map((v) => ({
    address: Buffer.from(v.address, "hex"),
    pubKey: { ed25519: v.pubKey },
    votingPower: v.power,
    proposerPriority: v.priority,
  }));
  const p = set.proposer;
  return {
    validators,
    proposer: validators.find((v) => hexAddress(v.address) === p.address),
    totalVotingPower: set.totalPower,
  };
}

export function setFromProto(pb: PbValidatorSet): ValidatorSet {
  const vals = pb.validators.map((v) => {
    if (v.pubKey?.ed25519 === undefined) throw new Error("stored validator without an ed25519 key");
    return {
      address: hexAddress(v.address),
      pubKey: v.pubKey.ed25519,
      power: v.votingPower,
      priority: v.proposerPriority,
    };
  });
  return ValidatorSet.restore(vals, pb.proposer === undefined ? null : hexAddress(pb.proposer.address));
}

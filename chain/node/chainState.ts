import type { BlockID } from "cosmjs-types/tendermint/types/types";
import type { Timestamp } from "../../modules/sdk/context.js";
import { validatorsHash } from "../types/hashes.js";
import { ed25519Address } from "../crypto/ed25519.js";

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
  validators: Validator[];
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
  return [...vals].sort((a, b) => (a.power !== b.power ? (a.power > b.power ? -1 : 1) : Buffer.compare(Buffer.from(a.address), Buffer.from(b.address))));
}

export function setHash(vals: readonly Validator[]): Uint8Array {
  return validatorsHash(vals.map((v) => ({ pubKey: v.pubKey, power: v.power })));
}

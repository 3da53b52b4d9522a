import type { Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Context } from "../sdk/context.js";
import type { KVStore } from "../sdk/store.js";

// What slashing needs of other modules: the only way it reaches them.

/** What slashing needs of staking: validators, self-delegation, and slash, jail and unjail. */
export interface StakingForSlashing {
  validatorByConsAddr(store: KVStore, consHex: string): Validator | null;
  getValidator(store: KVStore, valoper: string): Validator | null;
  getDelegationShares(store: KVStore, delegator: string, valoper: string): bigint;
  /** Tokens that `shares` of the validator are worth (floor). */
  tokensFromShares(v: Validator, shares: bigint): bigint;
  /** The validator's consensus address as uppercase hex; staking's error for an unusable key. */
  consensusAddressHex(v: Validator): string;
  /** Burns `fraction` (18-decimal) of the stake the validator had at the infraction. */
  slash(ctx: Context, v: Validator, infractionHeight: bigint, powerAtInfraction: bigint, fraction: bigint): void;
  jail(ctx: Context, valoper: string): void;
  unjail(ctx: Context, valoper: string): void;
}

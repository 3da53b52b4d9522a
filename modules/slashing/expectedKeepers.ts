import type { Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { KVStore } from "../sdk/store.js";
import type { StakingKeeper } from "../staking/keeper.js";

/**
 * What slashing reads of staking: the validator behind a consensus address (the last commit and
 * evidence name validators that way), a validator by operator, and its self-delegation (MsgUnjail's
 * minimum). Slashing, jailing and unjailing themselves go through staking's slash.ts, which
 * takes the staking keeper.
 */
export interface SlashingStakingKeeper {
  validatorByConsAddr(store: KVStore, consHex: string): Validator | null;
  getValidator(store: KVStore, valoper: string): Validator | null;
  getDelegationShares(store: KVStore, delegator: string, valoper: string): bigint;
}

/** Compile-time check that staking's keeper still offers what slashing expects of it. */
export type StakingMeetsSlashing = StakingKeeper extends SlashingStakingKeeper ? true : never;
const _stakingMeetsSlashing: StakingMeetsSlashing = true;
void _stakingMeetsSlashing;

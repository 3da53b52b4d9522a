import type { PageRequest, PageResponse } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import type { Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Coin } from "../sdk/coins.js";
import type { Context } from "../sdk/context.js";
import type { KVStore } from "../sdk/store.js";

// Staking's hooks, which emissions implements, and the staking errors emissions' messages return
// on staking's behalf (as the SDK's distribution returns staking's ErrNoValidatorFound).
export type { StakingHooks } from "../staking/keeper.js";
export { stakingErrors } from "../staking/errors.js";
/** The fee collector account emissions distributes from. */
export { feeCollectorName } from "../bank/keeper.js";

/** What emissions needs of bank. */
export interface BankForEmissions {
  mint(ctx: Context, moduleName: string, coins: readonly Coin[]): void;
  burn(ctx: Context, moduleName: string, coins: readonly Coin[]): void;
  transfer(ctx: Context, from: string, to: string, coins: readonly Coin[]): void;
  getBalance(store: KVStore, address: string, denom: string): bigint;
  getSupply(store: KVStore, denom: string): bigint;
  /** Module accounts, which a community-pool spend cannot pay (the SDK's BlockedAddr). */
  blockedAddr(address: string): boolean;
}

/** What emissions needs of staking: who signed, their commission and shares, delegations. */
export interface StakingForEmissions {
  validatorByConsAddr(store: KVStore, consHex: string): Validator | null;
  getValidator(store: KVStore, valoper: string): Validator | null;
  getDelegationShares(store: KVStore, delegator: string, valoper: string): bigint;
  delegationsOf(store: KVStore, delegator: string): IterableIterator<{ valoper: string; shares: bigint }>;
  allDelegations(store: KVStore): IterableIterator<{ delegator: string; valoper: string; shares: bigint }>;
  delegatorsOf(store: KVStore, valoper: string): IterableIterator<{ delegator: string; shares: bigint }>;
  /** One page of a validator's slashes at heights in [from, to], in height order. */
  slashEventsPage(
    store: KVStore,
    valoper: string,
    from: bigint,
    to: bigint,
    req: PageRequest | undefined,
  ): { page: Array<{ height: bigint; fraction: bigint }>; pagination: PageResponse };
}
